#include "release/bundle_verify.h"

#include <filesystem>
#include <fstream>

#include "release/bundle_sums.h"

namespace isartor::release {

std::string BundleReport::Summary() const {
  std::string out;
  for (const std::string& p : problems) out += "  " + p + "\n";
  if (ok()) {
    out += "OK: signature by key " + key_id + " verifies; " + std::to_string(files_verified) +
           " files match SHA256SUMS";
  } else {
    out += "FAILED: " + std::to_string(problems.size()) + " problem" +
           (problems.size() == 1 ? "" : "s") + (signature_ok ? "" : " (signature not valid)") +
           "; do not install this bundle";
  }
  return out;
}

BundleReport VerifyBundle(const BundleContents& bundle, const audit::Ed25519Verifier& key) {
  BundleReport report;
  report.key_id = key.KeyId();
  report.problems = bundle.anomalies;
  if (!bundle.sums) {
    report.problems.push_back(std::string(kSumsFile) + " is missing (or larger than 1 MiB)");
    return report;
  }
  if (!bundle.signature) {
    report.problems.push_back(std::string(kSignatureFile) + " is missing");
  } else if (bundle.signature->size() != 64) {
    report.problems.push_back(std::string(kSignatureFile) + " is " +
                              std::to_string(bundle.signature->size()) +
                              " bytes, not a 64-byte Ed25519 signature");
  } else if (!key.Verify(*bundle.sums, *bundle.signature)) {
    report.problems.push_back(std::string(kSignatureFile) + " does not verify under key " +
                              key.KeyId() + ": " + kSumsFile +
                              " was altered or signed with another key");
  } else {
    report.signature_ok = true;
  }
  auto listed = ParseSums(*bundle.sums);
  if (!listed.ok()) {
    report.problems.push_back(listed.error().message);
    return report;
  }
  for (const auto& [path, hex] : *listed) {
    auto it = bundle.files.find(path);
    if (it == bundle.files.end()) {
      report.problems.push_back(path + ": missing (listed in " + kSumsFile + ")");
    } else if (it->second.sha256_hex != hex) {
      report.problems.push_back(path + ": SHA-256 mismatch (listed " + hex.substr(0, 16) +
                                "..., found " + it->second.sha256_hex.substr(0, 16) +
                                "...): the file was changed or damaged");
    } else {
      ++report.files_verified;
    }
  }
  for (const auto& [path, file] : bundle.files) {
    if (path == kSumsFile || path == kSignatureFile) continue;
    if (listed->count(path) == 0) {
      report.problems.push_back(path + ": extra file, not listed in " + std::string(kSumsFile));
    }
  }
  return report;
}

Result<size_t> SignBundleDir(const std::string& dir, const audit::Ed25519Signer& key) {
  auto bundle = ReadBundleDir(dir);
  if (!bundle.ok()) return bundle.error();
  if (!bundle->anomalies.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, bundle->anomalies.front());
  }
  const std::string sums = FormatSums(bundle->files);
  auto signature = key.Sign(sums);
  if (!signature.ok()) return signature.error();
  const auto root = std::filesystem::path(dir);
  for (const auto& [name, data] : {std::pair{kSumsFile, &sums}, {kSignatureFile, &*signature}}) {
    std::ofstream out(root / name, std::ios::binary | std::ios::trunc);
    out.write(data->data(), static_cast<std::streamsize>(data->size()));
    out.close();
    if (!out) return MakeError(ErrorCode::kUnavailable, "cannot write " + (root / name).string());
  }
  size_t n = 0;
  for (const auto& [path, file] : bundle->files) {
    n += path != kSumsFile && path != kSignatureFile;
  }
  return n;
}

}  // namespace isartor::release
