#include "license/license_command.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "../cli_runner.h"
#include <filesystem>
#include <fstream>

namespace isartor::license {
namespace {

// The command over the test process's environment (the tests set variables with setenv).
std::string ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}
void AddWithProcessEnv(CLI::App& app) { AddLicenseCommand(app, ProcessEnv); }

int RunIsartor(std::vector<std::string> args, std::string* out = nullptr) {
  return isartor::testing::RunCli(&AddWithProcessEnv, std::move(args), out);
}

std::string Issue(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"license", "issue", "--licensee", "Acme", "--tier", "pro",
                                   "--days", "30"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string out;
  EXPECT_EQ(RunIsartor(args, &out), 0);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class LicenseCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("ISARTOR__LICENSE_KEY");
    unsetenv("ISARTOR__LICENSE_KEY_FILE");
    dir_ = std::filesystem::temp_directory_path() / ("isartor-lic-cmd-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    unsetenv("ISARTOR__LICENSE_KEY");
    unsetenv("ISARTOR__LICENSE_KEY_FILE");
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(LicenseCommandTest, AnIssuedLicenseShowsAsValidAndExitsZero) {
  const std::string token = Issue({"--feature", "sso", "--feature", "audit"});
  std::string out;
  EXPECT_EQ(RunIsartor({"license", "show", "--key", token}, &out), 0);
  EXPECT_EQ(out.rfind("license: valid: licensed to Acme (tier pro)", 0), 0u) << out;
  EXPECT_NE(out.find("features: sso audit"), std::string::npos) << out;
}

TEST_F(LicenseCommandTest, ShowReadsTheEnvironmentAndKeyFiles) {
  const std::string token = Issue();
  setenv("ISARTOR__LICENSE_KEY", token.c_str(), 1);
  EXPECT_EQ(RunIsartor({"license", "show"}), 0);
  unsetenv("ISARTOR__LICENSE_KEY");
  const std::string file = (dir_ / "license.key").string();
  std::ofstream(file) << token << "\n";
  setenv("ISARTOR__LICENSE_KEY_FILE", file.c_str(), 1);
  EXPECT_EQ(RunIsartor({"license", "show"}), 0);
  unsetenv("ISARTOR__LICENSE_KEY_FILE");
  EXPECT_EQ(RunIsartor({"license", "show", "--key-file", file}), 0);
  EXPECT_EQ(RunIsartor({"license", "show", "--key-file", (dir_ / "missing").string()}), 2);
}

TEST_F(LicenseCommandTest, AnAbsentLicenseExitsNonZero) {
  std::string out;
  EXPECT_EQ(RunIsartor({"license", "show"}, &out), 1);
  EXPECT_EQ(out.rfind("license: absent:", 0), 0u) << out;
}

TEST_F(LicenseCommandTest, ALicenseMintedWithAnotherKeyIsABadSignature) {
  const std::string key_file = (dir_ / "other.key").string();
  std::ofstream(key_file) << "someone-elses-key\n";
  const std::string token = Issue({"--hmac-key-file", key_file});
  std::string out;
  EXPECT_EQ(RunIsartor({"license", "show", "--key", token}, &out), 1);
  EXPECT_EQ(out.rfind("license: bad_signature:", 0), 0u) << out;
}

TEST_F(LicenseCommandTest, AnOldLicenseShowsAsExpired) {
  const std::string token = Issue({"--issued", "2000-01-01T00:00:00Z"});
  std::string out;
  EXPECT_EQ(RunIsartor({"license", "show", "--key", token}, &out), 1);
  EXPECT_EQ(out.rfind("license: expired: license for Acme (tier pro) expired 2000-01-31", 0), 0u)
      << out;
}

TEST_F(LicenseCommandTest, IssueRejectsBadArguments) {
  EXPECT_EQ(RunIsartor({"license", "issue", "--licensee", "A", "--tier", "t", "--days", "0"}), 1);
  EXPECT_EQ(RunIsartor({"license", "issue", "--licensee", "A", "--tier", "t", "--days", "3",
                        "--issued", "soon"}),
            1);
  EXPECT_NE(RunIsartor({"license", "issue", "--tier", "t", "--days", "3"}), 0);
}

}  // namespace
}  // namespace isartor::license
