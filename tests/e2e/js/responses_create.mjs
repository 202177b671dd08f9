// responses.create with the official OpenAI JS SDK (pinned in scripts/setup_codex.sh), JSON and
// streaming. Prints one JSON line with what it got; the pytest wrapper asserts on it.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "sk-js", maxRetries: 0 });
const plain = await client.responses.create({ model: "m", input: "hello from js" });
const stream = await client.responses.create({ model: "m", input: "stream from js", stream: true });
const types = [];
let text = "";
for await (const event of stream) {
  types.push(event.type);
  if (event.type === "response.output_text.delta") text += event.delta;
}
console.log(JSON.stringify({ plain: plain.output_text, status: plain.status, types, text }));
