#include "license/license_command.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "license/license.h"
#include "license/license_codec.h"

namespace isartor::license {

namespace {

int RunShow(const EnvLookup& env, const std::string& key_flag, const std::string& key_file_flag) {
  // Flags beat the environment; an inline token beats a file at each level.
  std::string inline_token = key_flag;
  std::string token_file = key_file_flag;
  if (inline_token.empty() && token_file.empty()) {
    inline_token = env("ISARTOR__LICENSE_KEY");
    token_file = env("ISARTOR__LICENSE_KEY_FILE");
  }
  auto token = ReadLicenseToken(inline_token, token_file);
  if (!token.ok()) {
    std::cout << "license: unreadable: " << token.error().message << "\n";
    return 2;
  }
  const LicenseVerdict v = CheckLicense(*token, std::chrono::system_clock::now());
  std::cout << "license: " << LicenseStatusName(v.status) << ": " << v.message << "\n";
  if (v.issued && v.expires) {
    std::cout << "  licensee: " << v.licensee << "\n  tier:     " << v.tier
              << "\n  issued:   " << FormatRfc3339(*v.issued)
              << "\n  expires:  " << FormatRfc3339(*v.expires) << "\n";
    if (!v.features.empty()) {
      std::cout << "  features:";
      for (const auto& f : v.features) std::cout << " " << f;
      std::cout << "\n";
    }
  }
  if (BuiltInLicenseKeyIsTestKey()) {
    std::cerr << "note: this build verifies licenses with the public test key "
                 "(set ISARTOR_LICENSE_HMAC_KEY when building for production)\n";
  }
  return v.valid() ? 0 : 1;
}

struct IssueArgs {
  std::string licensee;
  std::string tier;
  int days = 0;
  std::vector<std::string> features;
  std::string issued;
  std::string hmac_key_file;
};

int RunIssue(const IssueArgs& a) {
  std::string key(BuiltInLicenseKey());
  if (!a.hmac_key_file.empty()) {
    std::ifstream in(a.hmac_key_file, std::ios::binary);
    if (!in) {
      std::cerr << "license issue: cannot read " << a.hmac_key_file << "\n";
      return 1;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    key = buf.str();
    if (!key.empty() && key.back() == '\n') key.pop_back();
    if (!key.empty() && key.back() == '\r') key.pop_back();
  }
  LicensePayload p;
  p.licensee = a.licensee;
  p.tier = a.tier;
  p.features = a.features;
  p.issued = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!a.issued.empty()) {
    const auto t = ParseRfc3339(a.issued);
    if (!t) {
      std::cerr << "license issue: --issued is not an RFC 3339 time: " << a.issued << "\n";
      return 1;
    }
    p.issued = *t;
  }
  if (a.days <= 0 || a.days > 36500) {
    std::cerr << "license issue: --days must be between 1 and 36500\n";
    return 1;
  }
  p.expires = p.issued + std::chrono::days(a.days);
  auto token = IssueLicense(p, key);
  if (!token.ok()) {
    std::cerr << "license issue: " << token.error().message << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace

void AddLicenseCommand(CLI::App& app, EnvLookup env) {
  CLI::App* license = app.add_subcommand("license", "Offline license: show the verdict, issue");
  license->require_subcommand(1);

  auto show_key = std::make_shared<std::string>();
  auto show_key_file = std::make_shared<std::string>();
  CLI::App* show = license->add_subcommand("show", "Print the verdict for the configured license");
  show->add_option("--key", *show_key, "License token (default: $ISARTOR__LICENSE_KEY)");
  show->add_option("--key-file", *show_key_file,
                   "File holding the token (default: $ISARTOR__LICENSE_KEY_FILE)");
  show->callback([env, show_key, show_key_file] {
    const int code = RunShow(env, *show_key, *show_key_file);
    if (code != 0) throw CLI::RuntimeError(code);
  });

  auto args = std::make_shared<IssueArgs>();
  CLI::App* issue = license->add_subcommand("issue", "Mint a license token");
  issue->add_option("--licensee", args->licensee, "Who the license is for")->required();
  issue->add_option("--tier", args->tier, "License tier")->required();
  issue->add_option("--days", args->days, "Validity in days from --issued")->required();
  issue->add_option("--feature", args->features, "Feature granted (repeatable)");
  issue->add_option("--issued", args->issued, "Start of validity, RFC 3339 (default: now)");
  issue->add_option("--hmac-key-file", args->hmac_key_file,
                    "Mint with the key in this file instead of this build's key");
  issue->callback([args] {
    const int code = RunIssue(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace isartor::license
