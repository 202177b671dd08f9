// The part of L3 that moves the upstream's answer to the client: as-is when dialects match,
// translated otherwise; streamed chunk by chunk; accumulated on the side so caches can store
// a complete answer.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>

#include "dialect/error_body.h"
#include "dialect/responses_response.h"
#include "dialect/responses_stream.h"
#include "dialect/sse.h"
#include "dialect/stream_accumulator.h"
#include "dialect/stream_translator.h"
#include "dialect/translate_response.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;
namespace json = boost::json;
using dialect::Dialect;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t TotalTokens(const json::object& response, RequestContext& ctx) {
  const json::value* usage = response.if_contains("usage");
  if (!usage || !usage->is_object()) return 0;
  auto num = [&](const char* key) -> int64_t {
    const json::value* v = usage->as_object().if_contains(key);
    return v && v->is_int64() ? v->as_int64() : (v && v->is_uint64() ? int64_t(v->as_uint64()) : 0);
  };
  ctx.prompt_tokens = num("prompt_tokens") + num("input_tokens");
  ctx.completion_tokens = num("completion_tokens") + num("output_tokens");
  return ctx.prompt_tokens + ctx.completion_tokens;
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// The complete answer of a finished stream, handed to the caches at once.
std::shared_ptr<const StoredAnswer> CompletedAnswer(const dialect::StreamAccumulator& accumulator,
                                                    RequestContext& ctx) {
  auto final_json = accumulator.Finish();
  if (!final_json.ok()) return nullptr;
  auto answer = std::make_shared<StoredAnswer>();
  answer->total_tokens = TotalTokens(*final_json, ctx);
  answer->body = json::serialize(*final_json);
  if (ctx.publish_answer) ctx.publish_answer(answer);
  return answer;
}

// How the client's dialect says "this stream failed" in-band: Anthropic's `event: error`, an
// OpenAI chunk holding `error` (what OpenAI itself sends mid-stream). Both SDKs raise on it.
std::string TerminalErrorEvent(Dialect d, const std::string& message) {
  std::string type(dialect::ErrorTypeForStatus(d, 502));
  std::string name = d == Dialect::kAnthropic ? "error" : "";
  return dialect::FormatSse(dialect::SseEvent{name, dialect::ErrorBody(d, type, message)});
}

bool IsErrorEvent(const dialect::SseEvent& e) {
  if (e.event == "error") return true;
  if (!e.event.empty() || e.data.find("\"error\"") == std::string::npos) return false;
  boost::system::error_code ec;
  json::value v = json::parse(e.data, ec);
  return !ec && v.is_object() && v.as_object().contains("error");
}

LayerResult Answered(int status, std::shared_ptr<const StoredAnswer> answer = nullptr) {
  LayerResult r;
  r.verdict = LayerVerdict::kAnswered;
  r.status = status;
  r.answer = std::move(answer);
  return r;
}

}  // namespace

asio::awaitable<LayerResult> UpstreamLayer::Relay(RequestContext& ctx, ResponseSink& sink,
                                                  const UpstreamTarget& target,
                                                  UpstreamResponse& response, double ttfb) {
  auto started = std::chrono::steady_clock::now();
  sink.SetCancelHook([&response] { response.Cancel(); });
  std::string type = Lower(response.Header("content-type"));
  bool is_sse = type.find("text/event-stream") != std::string::npos;
  // No co_await inside ?: -- GCC 12 destroys the temporary of such an expression twice.
  LayerResult result;
  std::string encoding = Lower(response.Header("content-encoding"));
  bool ok_status = response.status() / 100 == 2;
  if (ok_status && !encoding.empty() && encoding != "identity") {
    faults_.Count(UpstreamFault::kCompressed);
    result = LayerResult::Fail(MakeError(
        ErrorCode::kUpstreamError, target.label + " upstream " + target.endpoint.url +
                                       " sent a compressed answer (content-encoding: " + encoding +
                                       ") although the gateway asks for identity"));
  } else if (ok_status && !is_sse && !type.empty() && type.find("json") == std::string::npos) {
    faults_.Count(UpstreamFault::kContentType);
    result = LayerResult::Fail(MakeError(
        ErrorCode::kUpstreamError, target.label + " upstream " + target.endpoint.url +
                                       " answered " + std::to_string(response.status()) +
                                       " with content-type '" + type +
                                       "', neither JSON nor an event stream"));
  } else if (ok_status && is_sse) {
    result = co_await RelayStream(ctx, sink, target, response);
  } else {
    result = co_await RelayJson(ctx, sink, target, response);
  }
  sink.SetCancelHook(nullptr);
  double total =
      ttfb + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_->RecordUpstream(total, ttfb);
  ctx.upstream_status = response.status();
  ctx.upstream_ms = total * 1000.0;
  ctx.upstream_ttfb_ms = ttfb * 1000.0;
  co_return result;
}

asio::awaitable<LayerResult> UpstreamLayer::RelayJson(RequestContext& ctx, ResponseSink& sink,
                                                      const UpstreamTarget& target,
                                                      UpstreamResponse& response) {
  auto body = co_await response.ReadAll(timeout_, max_response_bytes_);
  std::string where = target.label + " upstream " + target.endpoint.url;
  if (!body.ok()) {
    if (sink.client_gone()) co_return Answered(499);
    Error e = body.error();
    if (e.code == ErrorCode::kUpstreamError) {
      faults_.Count(UpstreamFault::kTooLarge);
      e.message = where + " sent an answer over ISARTOR__L3_MAX_RESPONSE_BYTES (" +
                  std::to_string(max_response_bytes_) + " bytes)";
    } else {
      faults_.Count(e.code == ErrorCode::kDeadlineExceeded ? UpstreamFault::kTimeout
                                                           : UpstreamFault::kConnection);
      e.message = where + ": " + e.message;
    }
    co_return LayerResult::Fail(std::move(e));
  }
  int status = response.status();
  std::string out = std::move(*body);
  ctx.upstream_complete = true;
  Dialect wire = target.WireFor(ctx.dialect);
  if (status / 100 != 2) {
    // Always JSON in the client's dialect: an empty or HTML body would reach the SDKs as a
    // useless error (or be mislabelled application/json). A compressed error body is unreadable.
    std::string encoding = Lower(response.Header("content-encoding"));
    if (!encoding.empty() && encoding != "identity") out.clear();
    out = dialect::UpstreamErrorBody(wire, ctx.dialect, status, where, out);
    AnswerMeta meta{&info(), ctx.answer_headers};
    // The client (its SDK) waits as long as the upstream asked before trying again.
    std::string retry_after = response.Header("retry-after");
    if (!retry_after.empty()) meta.headers.emplace_back("retry-after", retry_after);
    (void)co_await sink.SendComplete(status, std::move(out), meta);
    co_return Answered(status);
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(out, ec);
  if (ec || !parsed.is_object()) {
    faults_.Count(UpstreamFault::kInvalidAnswer);
    co_return LayerResult::Fail(MakeError(ErrorCode::kUpstreamError,
                                          where + " sent a 2xx answer that is not JSON"));
  }
  json::object response_json = std::move(parsed.as_object());
  if (ctx.dialect != wire) {
    auto translated = ctx.dialect == Dialect::kResponses
                          ? dialect::ToResponsesResponse(wire, response_json, ctx.body, NowUnix())
                      : wire == Dialect::kOpenAI
                          ? dialect::OpenAIResponseToAnthropic(response_json)
                          : dialect::AnthropicResponseToOpenAI(response_json, NowUnix());
    if (!translated.ok()) {
      faults_.Count(UpstreamFault::kInvalidAnswer);
      co_return LayerResult::Fail(translated.error());
    }
    response_json = std::move(*translated);
    out = json::serialize(response_json);
  }
  auto answer = std::make_shared<StoredAnswer>();
  answer->total_tokens = TotalTokens(response_json, ctx);
  answer->body = out;
  if (ctx.publish_answer) ctx.publish_answer(answer);
  AnswerMeta meta{&info(), ctx.answer_headers};
  Status sent = co_await sink.SendComplete(status, std::move(out), meta);
  if (!sent.ok()) co_return Answered(499);
  co_return Answered(status, std::move(answer));
}

asio::awaitable<LayerResult> UpstreamLayer::RelayStream(RequestContext& ctx, ResponseSink& sink,
                                                        const UpstreamTarget& target,
                                                        UpstreamResponse& response) {
  Dialect wire = target.WireFor(ctx.dialect);
  bool same = ctx.dialect == wire;
  dialect::SseParser parser;
  dialect::StreamTranslator translator(wire, ctx.dialect, NowUnix(), &ctx.body);
  dialect::StreamAccumulator accumulator(ctx.dialect);
  std::vector<dialect::SseEvent> events, translated;
  AnswerMeta meta{&info(), ctx.answer_headers};
  if (!(co_await sink.BeginStream(meta)).ok()) {
    response.Cancel();
    co_return Answered(499);
  }
  bool upstream_ended = false;
  bool saw_error_event = false;  // the upstream already told the client the stream failed
  bool at_event_boundary = true;  // the bytes relayed so far end with a complete event
  std::string cut_reason;
  UpstreamFault fault = UpstreamFault::kStreamCut;
  bool malformed = false;  // an event that did not parse: the answer is never cached
  std::size_t received = 0;
  std::shared_ptr<const StoredAnswer> answer;
  while (!upstream_ended) {
    auto piece = co_await response.ReadSome(timeout_);
    if (!piece.ok()) {
      if (sink.client_gone()) co_return Answered(499);
      cut_reason = piece.error().message;
      if (piece.error().code == ErrorCode::kDeadlineExceeded) fault = UpstreamFault::kTimeout;
      Diag(LogLevel::kWarn, "request " + ctx.request_id + ": stream from " + target.label +
                                " cut: " + cut_reason);
      break;
    }
    received += piece->size();
    if (received > max_response_bytes_) {
      response.Cancel();
      fault = UpstreamFault::kTooLarge;
      cut_reason = "the stream exceeded ISARTOR__L3_MAX_RESPONSE_BYTES (" +
                   std::to_string(max_response_bytes_) + " bytes)";
      break;
    }
    events.clear();
    if (piece->empty()) {
      upstream_ended = true;
      parser.Finish(events);
    } else if (!parser.Feed(*piece, events).ok()) {
      fault = UpstreamFault::kMalformedStream;
      cut_reason = "unparseable event stream";
      break;
    }
    std::string bytes;
    if (same) {
      bytes = std::move(*piece);
      for (std::size_t i = 0; i < events.size() && !malformed; ++i) {
        saw_error_event = saw_error_event || IsErrorEvent(events[i]);
        if (accumulator.Feed(events[i]).ok()) continue;
        // The stream ends at its first broken event: relay the good ones before it, re-framed
        // (the raw bytes would carry the broken event and whatever followed, [DONE] included).
        malformed = true;
        bytes.clear();
        for (std::size_t j = 0; j < i; ++j) bytes += dialect::FormatSse(events[j]);
      }
    } else {
      for (std::size_t i = 0; i < events.size() && !malformed; ++i) {
        translated.clear();
        malformed = !translator.Feed(events[i], translated).ok();
        for (const auto& t : translated) {
          saw_error_event = saw_error_event || IsErrorEvent(t);
          bytes += dialect::FormatSse(t);
          malformed = !accumulator.Feed(t).ok() || malformed;
        }
      }
    }
    // Store before the terminal event leaves: a client that sees [DONE] / message_stop and
    // asks again at once (on another connection) must already find the answer.
    if (!answer && !malformed && accumulator.complete()) answer = CompletedAnswer(accumulator, ctx);
    if (!bytes.empty()) {
      at_event_boundary = bytes.ends_with("\n\n") || bytes.ends_with("\r\n\r\n");
    }
    if (!bytes.empty() && !(co_await sink.WriteEvents(bytes)).ok()) {
      response.Cancel();  // client went away: stop the upstream generating for nobody
      co_return Answered(499);
    }
    if (malformed) {
      response.Cancel();
      break;
    }
  }
  if (!accumulator.complete() || malformed) {
    // Cut mid-way (or an event lost to a parse error): the client gets the dialect's terminal error event (unless the upstream sent
    // one), then an abnormal end; nothing is cached.
    if (malformed && cut_reason.empty()) {
      fault = UpstreamFault::kMalformedStream;
      cut_reason = "an event of the stream is not valid JSON of its dialect";
    }
    faults_.Count(fault);
    std::string why = target.label + " upstream " + target.endpoint.url + " cut the stream: " +
                      (cut_reason.empty() ? "the stream ended before its terminal event"
                                          : cut_reason);
    // After half an event (relayed as it came), end that line first so ours parses.
    std::string error = at_event_boundary ? std::string() : std::string("\n\n");
    if (const auto* responses = accumulator.responses()) {
      // Responses clients wait for a terminal event: a cut stream ends with response.failed.
      if (!responses->failed()) {
        error += dialect::FormatSse(responses->CutEvent(why));
        (void)co_await sink.WriteEvents(error);
      }
    } else if (!saw_error_event) {
      error += TerminalErrorEvent(ctx.dialect, why);
      (void)co_await sink.WriteEvents(error);
    }
    (void)co_await sink.EndStream(false);
    co_return Answered(200);
  }
  ctx.upstream_complete = true;
  (void)co_await sink.EndStream(true);
  co_return Answered(200, std::move(answer));
}

}  // namespace isartor
