// A flat JSON object built straight into a string: the audit events and log lines are written on
// every request, and building a boost::json::object per event (a dozen allocations) then
// serialising it was a visible share of a cache hit's CPU. Strings are escaped per RFC 8259;
// the caller passes valid UTF-8 (everything here came through a JSON parser or is ours).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/json_escape.h"

namespace isartor {

class JsonLine {
 public:
  JsonLine() { buf_.reserve(256); buf_.push_back('{'); }

  JsonLine& Str(std::string_view key, std::string_view value) {
    Key(key);
    Quote(value);
    return *this;
  }
  JsonLine& Int(std::string_view key, int64_t value) {
    Key(key);
    buf_ += std::to_string(value);
    return *this;
  }
  JsonLine& Num(std::string_view key, double value) {
    Key(key);
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.3f", value);
    buf_ += tmp;
    return *this;
  }
  JsonLine& Bool(std::string_view key, bool value) {
    Key(key);
    buf_ += value ? "true" : "false";
    return *this;
  }
  // Appends the finished object and a newline to `out`.
  void AppendTo(std::string& out) const {
    out += buf_;
    out += "}\n";
  }
  std::string Finish() const { return buf_ + "}"; }

 private:
  void Key(std::string_view key) {
    if (buf_.size() > 1) buf_.push_back(',');
    Quote(key);
    buf_.push_back(':');
  }
  void Quote(std::string_view s) { AppendJsonString(buf_, s); }

  std::string buf_;
};

}  // namespace isartor
