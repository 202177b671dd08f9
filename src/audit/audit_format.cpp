#include "audit/audit_format.h"

#include <ctime>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "audit/sha256.h"

namespace isartor::audit {

namespace json = boost::json;

std::string CheckpointMessage(uint64_t seq, uint64_t count, std::string_view head,
                              std::string_view ts) {
  std::string m = "isartor-audit-checkpoint-v1\nseq=" + std::to_string(seq) +
                  "\ncount=" + std::to_string(count) + "\nhead=";
  m.append(head);
  m += "\nts=";
  m.append(ts);
  m += "\n";
  return m;
}

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string BuildEventLine(uint64_t seq, std::string_view prev, std::string_view ts,
                           const json::object& event) {
  json::object line;
  line.reserve(event.size() + 3);
  line["seq"] = seq;
  line["prev"] = prev;
  line["ts"] = ts;
  for (const auto& kv : event) {
    const std::string_view key = kv.key();
    const bool reserved = key == "seq" || key == "prev" || key == "ts" ||
                          (key == "type" && kv.value().is_string() &&
                           kv.value().get_string() == "checkpoint");
    if (reserved) {
      line["event_" + std::string(key)] = kv.value();
    } else {
      line[key] = kv.value();
    }
  }
  return json::serialize(line);
}

std::string BuildCheckpointLine(uint64_t seq, std::string_view prev, std::string_view ts,
                                uint64_t count, std::string_view key_id,
                                std::string_view sig_base64) {
  json::object line;
  line["seq"] = seq;
  line["type"] = "checkpoint";
  line["prev"] = prev;
  line["ts"] = ts;
  line["count"] = count;
  line["head"] = prev;
  line["key"] = key_id;
  line["sig"] = sig_base64;
  return json::serialize(line);
}

namespace {

bool GetUint(const json::object& o, std::string_view key, uint64_t* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return false;
  if (v->is_uint64()) {
    *out = v->get_uint64();
    return true;
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    *out = static_cast<uint64_t>(v->get_int64());
    return true;
  }
  return false;
}

bool GetString(const json::object& o, std::string_view key, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return false;
  *out = std::string(v->get_string());
  return true;
}

}  // namespace

Result<ParsedLine> ParseLine(std::string_view line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return MakeError(ErrorCode::kDataLoss, "not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return MakeError(ErrorCode::kDataLoss, "not a JSON object");
  const json::object& o = v.get_object();
  ParsedLine p;
  if (!GetUint(o, "seq", &p.seq)) {
    return MakeError(ErrorCode::kDataLoss, "missing or non-integer \"seq\"");
  }
  if (!GetString(o, "prev", &p.prev) || !IsSha256Hex(p.prev)) {
    return MakeError(ErrorCode::kDataLoss, "missing or malformed \"prev\" hash");
  }
  GetString(o, "ts", &p.ts);
  std::string type;
  p.is_checkpoint = GetString(o, "type", &type) && type == "checkpoint";
  if (!p.is_checkpoint) return p;
  if (!GetUint(o, "count", &p.count) || !GetString(o, "head", &p.head) ||
      !GetString(o, "sig", &p.sig_base64)) {
    return MakeError(ErrorCode::kDataLoss, "checkpoint lacks \"count\", \"head\" or \"sig\"");
  }
  GetString(o, "key", &p.key_id);
  return p;
}

}  // namespace isartor::audit
