// Shared helpers for the audit tests: a temp directory, a key pair, line-level file edits.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace isartor::audit::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes an Ed25519 pair as dir/priv.pem and dir/pub.pem (or the given names).
void WriteKeyPair(const TempDir& dir, const std::string& priv = "priv.pem",
                  const std::string& pub = "pub.pem");

std::string ReadAll(const std::string& path);
void WriteAll(const std::string& path, const std::string& data);
// Lines without their '\n' (a final unterminated fragment is included as-is).
std::vector<std::string> ReadLines(const std::string& path);
// Joins lines, each followed by '\n'.
void WriteLines(const std::string& path, const std::vector<std::string>& lines);

boost::json::object Event(int i);

}  // namespace isartor::audit::testing
