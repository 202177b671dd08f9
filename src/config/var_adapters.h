// Adapters that declare one config variable each (Str, Bool, Num, List, OneOf) and the text
// helpers they use. Internal to src/config/: the table in config.cpp and tls_vars.cpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"

namespace isartor::config_detail {

inline std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

inline std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

inline std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Field adapters: each returns a ConfigVar's apply/get pair for one member.
template <typename T>
using Member = T Config::*;

inline ConfigVar Str(std::string env, std::string toml, Member<std::string> m, std::string def,
              std::string desc, bool secret = false) {
  return {env, toml, def, desc, secret,
          [m](Config& c, const std::string& v) { c.*m = v; return std::string(); },
          [m](const Config& c) { return c.*m; }};
}

// Parses a boolean into *out; returns an error message (empty on success).
inline std::string ParseBool(const std::string& v, bool* out) {
  std::string s = v;
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  if (s == "true" || s == "1" || s == "yes" || s == "on") { *out = true; return std::string(); }
  if (s == "false" || s == "0" || s == "no" || s == "off" || s.empty()) { *out = false; return std::string(); }
  return "expected true or false, got '" + v + "'";
}

inline ConfigVar Bool(std::string env, std::string toml, Member<bool> m, std::string def,
               std::string desc) {
  return {env, toml, def, desc, false,
          [m](Config& c, const std::string& v) { return ParseBool(v, &(c.*m)); },
          [m](const Config& c) { return std::string(c.*m ? "true" : "false"); }};
}

template <typename T>
inline ConfigVar Num(std::string env, std::string toml, Member<T> m, std::string def, std::string desc,
              T min_value, T max_value) {
  return {env, toml, def, desc, false,
          [m, min_value, max_value](Config& c, const std::string& v) {
            T value{};
            std::string t = Trim(v);
            auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
            if (ec != std::errc() || ptr != t.data() + t.size()) {
              return "expected a number, got '" + v + "'";
            }
            if (value < min_value || value > max_value) {
              std::ostringstream msg;
              msg << "must be between " << min_value << " and " << max_value << ", got " << v;
              return msg.str();
            }
            c.*m = value;
            return std::string();
          },
          [m](const Config& c) {
            std::ostringstream out;
            out << c.*m;
            return out.str();
          }};
}

inline ConfigVar List(std::string env, std::string toml, Member<std::vector<std::string>> m,
               std::string def, std::string desc) {
  return {env, toml, def, desc, false,
          [m](Config& c, const std::string& v) { c.*m = SplitList(v); return std::string(); },
          [m](const Config& c) { return JoinList(c.*m); }};
}

inline ConfigVar OneOf(std::string env, std::string toml, Member<std::string> m, std::string def,
                std::string desc, std::vector<std::string> allowed) {
  return {env, toml, def, desc, false,
          [m, allowed](Config& c, const std::string& v) {
            if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
              return "expected one of " + JoinList(allowed) + ", got '" + v + "'";
            }
            c.*m = v;
            return std::string();
          },
          [m](const Config& c) { return c.*m; }};
}

}  // namespace isartor::config_detail
