// Writes the seed corpora of the fuzz targets into <out>/<target>/: the realistic streams of
// the dialect unit tests, requests and responses of both dialects, audit logs written by the
// real AuditLog and signed with the fuzz key, license tokens minted with the fuzz key and the
// built-in test key, config files, request heads, and the tokenizer fixture's texts.
// Usage: fuzz_make_seeds <out dir> <tests/fixtures/embed/reference.jsonl>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "audit/audit_log.h"
#include "dialect/replay.h"
#include "dialect/sse.h"
#include "fuzz_keys.h"
#include "license/license.h"
#include "license/license_codec.h"
#include "streams.h"

namespace json = boost::json;
using namespace isartor;

namespace {

std::string g_out;

void Seed(const std::string& target, const std::string& name, std::string_view bytes) {
  const std::string dir = g_out + "/" + target;
  mkdir(g_out.c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Wire(const std::vector<dialect::SseEvent>& events) {
  std::string s;
  for (const auto& e : events) s += dialect::FormatSse(e);
  return s;
}

const char* const kOpenAIRequests[] = {
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]})",
    R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"max_tokens":64,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"what is 2+2?"}]}]})",
    R"({"model":"gpt-4o","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Bonn\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"w","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"tool_choice":"auto","stop":["\n\n"],"n":1,"seed":7})",
    R"({"messages":[{"role":"developer","content":"x"},{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],"response_format":{"type":"text"},"user":"u1","max_completion_tokens":10,"top_p":1})",
};
const char* const kAnthropicRequests[] = {
    R"({"model":"claude-3-5-haiku","max_tokens":64,"messages":[{"role":"user","content":"hello"}]})",
    R"({"model":"claude-sonnet-4","max_tokens":1024,"stream":true,"system":[{"type":"text","text":"be brief"}],"temperature":0.5,"top_k":5,"stop_sequences":["END"],"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},{"role":"assistant","content":"hello"},{"role":"user","content":"again"}]})",
    R"({"model":"claude","max_tokens":100,"tools":[{"name":"get_weather","description":"w","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true},"metadata":{"user_id":"u"},"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Bonn"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"sunny"}]}]}]})",
};
const char* const kOpenAIResponses[] = {
    R"({"id":"chatcmpl-1","object":"chat.completion","created":7,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4}}})",
    R"({"id":"c2","object":"chat.completion","created":1,"model":"gpt","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},{"id":"call_b","type":"function","function":{"name":"g","arguments":""}}]},"finish_reason":"tool_calls"}]})",
    R"({"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"}})",
};
const char* const kAnthropicResponses[] = {
    R"({"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":2,"cache_read_input_tokens":3}})",
    R"({"id":"msg_2","type":"message","role":"assistant","model":"claude","content":[{"type":"thinking","thinking":"hm","signature":"sig"},{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Bonn"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":30}})",
    R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
};

void DialectSeeds() {
  int i = 0;
  for (const char* r : kOpenAIRequests) {
    Seed("request_fuzzer", "openai-" + std::to_string(i), std::string("0") + r);
    Seed("translate_fuzzer", "openai-request-" + std::to_string(i++), std::string("0") + r);
  }
  i = 0;
  for (const char* r : kAnthropicRequests) {
    Seed("request_fuzzer", "anthropic-" + std::to_string(i), std::string("1") + r);
    Seed("translate_fuzzer", "anthropic-request-" + std::to_string(i++), std::string("1") + r);
  }
  i = 0;
  for (const char* r : kOpenAIResponses) {
    Seed("translate_fuzzer", "openai-response-" + std::to_string(i), std::string("0") + r);
    const std::string wire = Wire(dialect::ResponseToSse(dialect::Dialect::kOpenAI,
                                                         json::parse(r).as_object()));
    Seed("sse_fuzzer", "openai-replay-" + std::to_string(i), "0\x07" + wire);
    Seed("stream_translator_fuzzer", "openai-replay-" + std::to_string(i++), "0" + wire);
  }
  i = 0;
  for (const char* r : kAnthropicResponses) {
    Seed("translate_fuzzer", "anthropic-response-" + std::to_string(i), std::string("1") + r);
    const std::string wire = Wire(dialect::ResponseToSse(dialect::Dialect::kAnthropic,
                                                         json::parse(r).as_object()));
    Seed("sse_fuzzer", "anthropic-replay-" + std::to_string(i), "1\x05" + wire);
    Seed("stream_translator_fuzzer", "anthropic-replay-" + std::to_string(i++), "1" + wire);
  }
  using namespace dialect::testing;
  Seed("sse_fuzzer", "openai-text", "0\x03" + std::string(kOpenAITextStream));
  Seed("sse_fuzzer", "openai-tools", "0\x0b" + std::string(kOpenAIToolStream));
  Seed("sse_fuzzer", "anthropic-tools", "1\x01" + std::string(kAnthropicToolStream));
  Seed("sse_fuzzer", "crlf-comments",
       "0\x02\xEF\xBB\xBF: comment\r\nid: 1\r\nretry: 5\r\nevent: x\r\ndata: a\r\ndata: b\r\r\n");
  Seed("stream_translator_fuzzer", "openai-text", "0" + std::string(kOpenAITextStream));
  Seed("stream_translator_fuzzer", "openai-tools", "0" + std::string(kOpenAIToolStream));
  Seed("stream_translator_fuzzer", "anthropic-tools", "1" + std::string(kAnthropicToolStream));
  Seed("stream_translator_fuzzer", "openai-error",
       "0data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n");
  Seed("stream_translator_fuzzer", "anthropic-error",
       "1event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
       "\"message\":\"Overloaded\"}}\n\n");
}

void AuditSeeds() {
  const std::string dir = "/tmp/isartor-make-seeds-" + std::to_string(getpid());
  mkdir(dir.c_str(), 0700);
  const std::string key = dir + "/key.pem";
  std::ofstream(key) << fuzz::kAuditTestPrivateKeyPem;
  auto write_log = [&](const std::string& name, uint64_t rotate_bytes, int events) {
    audit::AuditLogOptions options;
    options.path = dir + "/" + name;
    options.signing_key_file = key;
    options.checkpoint_every_n_events = 4;
    options.checkpoint_interval = std::chrono::milliseconds(0);
    options.fsync = audit::FsyncPolicy::kNever;
    options.rotate_bytes = rotate_bytes;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
    };
    auto log = audit::AuditLog::Open(options);
    if (!log.ok()) {
      std::cerr << "audit log: " << log.error().message << "\n";
      std::exit(1);
    }
    for (int i = 0; i < events; ++i) {
      (*log)->Append(json::object{{"event", "request"}, {"request_id", "r" + std::to_string(i)},
                                  {"layer", i % 2 ? "l1a" : "l3"}, {"status", 200}});
    }
    (*log)->Close();
    return options.path;
  };
  const std::string single = write_log("single.log", 0, 10);
  Seed("audit_verify_fuzzer", "signed-10-events", ReadAll(single));
  const std::string rotated = write_log("rot.log", 900, 8);
  Seed("audit_verify_fuzzer", "rotated", ReadAll(rotated + ".000001") + "--\n" + ReadAll(rotated));
  std::string partial = ReadAll(single);
  Seed("audit_verify_fuzzer", "cut-mid-line", partial.substr(0, partial.size() - 17));
}

void LicenseSeeds() {
  license::LicensePayload p;
  p.licensee = "Example GmbH";
  p.tier = "enterprise";
  p.issued = std::chrono::sys_seconds(std::chrono::seconds(1735689600));
  p.expires = std::chrono::sys_seconds(std::chrono::seconds(1798761600));
  p.features = {"l1b", "l2"};
  auto token = license::IssueLicense(p, fuzz::kLicenseTestKey);
  auto builtin = license::IssueLicense(p, license::BuiltInLicenseKey());
  if (!token.ok() || !builtin.ok()) std::exit(1);
  Seed("license_fuzzer", "token-fuzz-key", "0" + *token);
  Seed("license_fuzzer", "token-builtin-key", "0" + *builtin);
  const std::string payload = *license::Base64UrlDecode(token->substr(0, token->find('.')));
  Seed("license_fuzzer", "payload", "1" + payload);
  Seed("license_fuzzer", "payload-unix-times",
       R"(1{"licensee":"a","tier":"t","issued":1735689600,"expires":"2027-01-01T00:00:00+02:00","features":[]})");
  Seed("license_fuzzer", "rfc3339", "02026-12-08T01:02:03.456-07:30");
}

void ConfigSeeds() {
  Seed("config_fuzzer", "empty", "");
  Seed("config_fuzzer", "toml",
       "host_port = \"127.0.0.1:8080\"\nthreads = 2\ncache_mode = \"both\"\n"
       "similarity_threshold = 0.9\nllm_provider = \"anthropic\"\n"
       "external_llm_url = \"http://127.0.0.1:9/\"\nmodel_aliases = \"fast=gpt-4o-mini\"\n"
       "offline_mode = true\ninternal_networks = \"10.0.0.0/8,127.0.0.0/8\"\n"
       "[layer2]\nsidecar_url = \"http://127.0.0.1:8081\"\n");
  Seed("config_fuzzer", "env",
       "\n%%\nCACHE_TTL_SECS=60\nMAX_BODY_BYTES=1048576\nLOG_LEVEL=debug\n"
       "FALLBACK_PROVIDERS=openai\nAUDIT_FSYNC=always\nGATEWAY_API_KEY=secret\n");
  Seed("config_fuzzer", "both",
       "cache_max_capacity = 100\nheader_timeout_secs = 5\n\n%%\nCACHE_MODE=exact\n"
       "TLS_MIN_VERSION=1.3\nOFFLINE_MODE=false\n");
}

void HttpSeeds() {
  Seed("http_head_fuzzer", "get", "\x03GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  Seed("http_head_fuzzer", "post",
       "\x10POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
       "application/json\r\nAuthorization: Bearer k\r\nContent-Length: 17\r\n\r\n"
       "{\"model\":\"gpt\"}\r\n");
  Seed("http_head_fuzzer", "pipelined",
       "\x01GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models?x=1 HTTP/1.1\r\nHost: x\r\n"
       "Connection: close\r\n\r\n");
  Seed("http_head_fuzzer", "chunked-expect",
       "\x05POST /v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

void TokenizerSeeds(const std::string& fixture) {
  std::ifstream in(fixture);
  std::string line;
  int i = 0;
  while (std::getline(in, line) && i < 40) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("text")) continue;
    Seed("tokenizer_fuzzer", "fixture-" + std::to_string(i++),
         std::string(v.as_object().at("text").as_string()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_make_seeds <out dir> <reference.jsonl>\n";
    return 2;
  }
  g_out = argv[1];
  DialectSeeds();
  AuditSeeds();
  LicenseSeeds();
  ConfigSeeds();
  HttpSeeds();
  TokenizerSeeds(argv[2]);
  return 0;
}
