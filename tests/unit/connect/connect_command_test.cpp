#include "connect/connect_command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.h"

namespace isartor::connect {
namespace {

// The command over the test process's environment (the tests set variables with setenv).
std::string ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}
void AddWithProcessEnv(CLI::App& app) { AddConnectCommand(app, ProcessEnv); }

namespace fs = std::filesystem;
namespace json = boost::json;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A throwaway HOME per test.
class ConnectCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("isartor-connect-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_);
  }
  void TearDown() override { fs::remove_all(home_); }

  int Run(std::vector<std::string> args, std::string* out = nullptr) {
    args.insert(args.begin(), "connect");
    args.push_back("--home");
    args.push_back(home_.string());
    return testing::RunCli(&AddWithProcessEnv, std::move(args), out);
  }

  fs::path home_;
};

TEST_F(ConnectCommandTest, ClaudeMergesIntoExistingSettingsAndUndoRestoresThemByteForByte) {
  fs::path settings = home_ / ".claude" / "settings.json";
  const std::string original = "{\"theme\": \"dark\", \"env\": {\"KEEP\": \"me\"}}\n";
  Write(settings, original);
  std::string out;
  ASSERT_EQ(Run({"claude", "--url", "http://127.0.0.1:9999/", "--max-output-tokens", "2048"},
                &out), 0);
  EXPECT_NE(out.find("wrote " + settings.string()), std::string::npos) << out;
  EXPECT_NE(out.find("ISARTOR__MODEL_ALIASES"), std::string::npos);  // the alias hint
  json::object s = json::parse(Read(settings)).as_object();
  EXPECT_EQ(s.at("theme"), "dark");
  EXPECT_EQ(s.at("env").at("KEEP"), "me");
  EXPECT_EQ(s.at("env").at("ANTHROPIC_BASE_URL"), "http://127.0.0.1:9999");
  EXPECT_EQ(s.at("env").at("CLAUDE_CODE_MAX_OUTPUT_TOKENS"), "2048");

  // A second connect keeps the first backup: undo goes back to before isartor.
  ASSERT_EQ(Run({"claude", "--url", "http://127.0.0.1:7777"}), 0);
  ASSERT_EQ(Run({"--undo"}, &out), 0);
  EXPECT_NE(out.find("restored " + settings.string()), std::string::npos) << out;
  EXPECT_EQ(Read(settings), original);
  EXPECT_FALSE(fs::exists(home_ / ".isartor" / "connect" / "manifest.json"));
}

TEST_F(ConnectCommandTest, UndoRemovesFilesConnectCreated) {
  ASSERT_EQ(Run({"codex"}), 0);
  ASSERT_EQ(Run({"generic"}), 0);
  EXPECT_TRUE(fs::exists(home_ / ".codex" / "config.toml"));
  EXPECT_NE(Read(home_ / ".isartor" / "isartor.env").find("OPENAI_BASE_URL"), std::string::npos);
  ASSERT_EQ(Run({"--undo"}), 0);
  EXPECT_FALSE(fs::exists(home_ / ".codex" / "config.toml"));
  EXPECT_FALSE(fs::exists(home_ / ".isartor" / "isartor.env"));
  std::string out;
  EXPECT_EQ(Run({"--undo"}, &out), 0);
  EXPECT_NE(out.find("nothing to undo"), std::string::npos);
}

TEST_F(ConnectCommandTest, DryRunPrintsTheNewContentAndChangesNothing) {
  std::string out;
  ASSERT_EQ(Run({"claude", "--dry-run"}, &out), 0);
  EXPECT_NE(out.find("would write"), std::string::npos);
  EXPECT_NE(out.find("ANTHROPIC_BASE_URL"), std::string::npos);
  EXPECT_FALSE(fs::exists(home_ / ".claude"));
  EXPECT_FALSE(fs::exists(home_ / ".isartor"));
}

TEST_F(ConnectCommandTest, AnUnparseableSettingsFileIsRefusedAndLeftAlone) {
  fs::path settings = home_ / ".claude" / "settings.json";
  Write(settings, "{ not json");
  EXPECT_EQ(Run({"claude"}), 1);
  EXPECT_EQ(Read(settings), "{ not json");
  EXPECT_FALSE(fs::exists(home_ / ".isartor" / "connect" / "manifest.json"));
}

TEST_F(ConnectCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"claude", "--undo"}), 2);
  EXPECT_NE(Run({"vim"}), 0);
}

}  // namespace
}  // namespace isartor::connect
