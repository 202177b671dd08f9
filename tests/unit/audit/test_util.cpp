#include "test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "audit/ed25519.h"

namespace isartor::audit::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "isartor-audit-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteKeyPair(const TempDir& dir, const std::string& priv, const std::string& pub) {
  auto signer = Ed25519Signer::Generate();
  if (!signer.ok()) throw std::runtime_error("keygen failed");
  WriteAll(dir.File(priv), (*signer)->PrivateKeyPem().value());
  WriteAll(dir.File(pub), (*signer)->PublicKeyPem().value());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(ReadAll(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  WriteAll(path, data);
}

boost::json::object Event(int i) {
  boost::json::object e;
  e["type"] = "request_received";
  e["request_id"] = "req-" + std::to_string(i);
  e["tenant"] = "t1";
  return e;
}

}  // namespace isartor::audit::testing
