#include "embed/embed_command.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace isartor::embed {
namespace {

struct EmbedArgs {
  std::string model_dir;
  bool from_stdin = false;
  int repeat = 0;
  std::vector<std::string> texts;
};

std::string JsonLine(const std::string& text, const Embedding& e) {
  std::string line = "{\"text\":";
  line += boost::json::serialize(boost::json::string_view(text.data(), text.size()));
  line += ",\"tokens\":[";
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    if (i) line += ',';
    line += std::to_string(e.tokens[i]);
  }
  line += "],\"embedding\":[";
  char buf[32];
  for (size_t i = 0; i < e.vector.size(); ++i) {
    if (i) line += ',';
    auto res = std::to_chars(buf, buf + sizeof(buf), e.vector[i]);  // shortest round-trip
    line.append(buf, res.ptr);
  }
  line += "]}";
  return line;
}

// Prints one batch; returns false (after reporting) if embedding failed.
bool PrintBatch(const Embedder& embedder, const std::vector<std::string>& texts) {
  auto result = embedder.EmbedBatch(texts);
  if (!result.ok()) {
    std::cerr << "isartor embed: " << result.error().message << "\n";
    return false;
  }
  for (size_t i = 0; i < texts.size(); ++i) std::cout << JsonLine(texts[i], (*result)[i]) << "\n";
  return true;
}

// --repeat: one single-text call at a time on this thread, as a cache lookup embeds a prompt;
// prints {"text","tokens","calls","p10_ms","median_ms"} per text so a site (and
// bench/embed_bench.py) can time the shipped binary itself.
bool PrintLatency(const Embedder& embedder, const std::string& text, int repeat) {
  const std::vector<std::string> one{text};
  std::vector<double> ms;
  size_t tokens = 0;
  for (int i = 0; i < repeat + 5; ++i) {  // 5 warm-up calls are not counted
    const auto t0 = std::chrono::steady_clock::now();
    auto result = embedder.EmbedBatch(one);
    const auto t1 = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::cerr << "isartor embed: " << result.error().message << "\n";
      return false;
    }
    tokens = (*result)[0].tokens.size();
    if (i >= 5) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "{\"text\":"
            << boost::json::serialize(boost::json::string_view(text.data(), text.size()))
            << ",\"tokens\":" << tokens << ",\"calls\":" << ms.size()
            << ",\"p10_ms\":" << ms[ms.size() / 10] << ",\"median_ms\":" << ms[ms.size() / 2]
            << "}\n";
  return true;
}

void RunEmbed(const EmbedArgs& args) {
  if (args.texts.empty() && !args.from_stdin) {
    std::cerr << "isartor embed: give TEXT arguments or --stdin\n";
    throw CLI::RuntimeError(2);
  }
  EmbedderOptions options;
  options.model_dir = args.model_dir;
  options.workers = 1;  // this command embeds on its own thread via EmbedBatch
  auto embedder = Embedder::Create(std::move(options));
  if (!embedder.ok()) {
    std::cerr << "isartor embed: " << ErrorCodeName(embedder.error().code) << ": "
              << embedder.error().message << "\n";
    throw CLI::RuntimeError(1);
  }
  if (args.repeat > 0) {
    for (const auto& t : args.texts) {
      if (!PrintLatency(**embedder, t, args.repeat)) throw CLI::RuntimeError(1);
    }
    return;
  }
  constexpr size_t kChunk = 32;  // bounded memory for long stdin streams
  std::vector<std::string> chunk;
  auto flush = [&] {
    bool ok = chunk.empty() || PrintBatch(**embedder, chunk);
    chunk.clear();
    if (!ok) throw CLI::RuntimeError(1);
  };
  for (const auto& t : args.texts) {
    chunk.push_back(t);
    if (chunk.size() == kChunk) flush();
  }
  if (args.from_stdin) {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      chunk.push_back(std::move(line));
      if (chunk.size() == kChunk) flush();
    }
  }
  flush();
  std::cout.flush();
}

}  // namespace

void AddEmbedCommand(CLI::App& app) {
  auto args = std::make_shared<EmbedArgs>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Print all-MiniLM-L6-v2 sentence embeddings as JSON lines (one per text)");
  cmd->add_option("--model-dir", args->model_dir,
                  "Model folder (default: $ISARTOR__EMBEDDING_MODEL_DIR, the embedded model, "
                  "then the default models folder)");
  cmd->add_flag("--stdin", args->from_stdin, "Also read texts from standard input, one per line");
  cmd->add_option("--repeat", args->repeat,
                  "Time N single-text embeddings of each TEXT and print p10/median ms instead "
                  "of the vectors")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("TEXT", args->texts, "Texts to embed");
  cmd->callback([args] { RunEmbed(*args); });
}

}  // namespace isartor::embed
