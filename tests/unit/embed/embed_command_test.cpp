#include "embed/embed_command.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sstream>

#include "fixture.h"

namespace isartor::embed {
namespace {

using testing::TestModelDir;
using testing::TestModelPresent;

// Runs `isartor embed ARGS...` in process; returns stdout, or the exit code it threw.
struct CommandRun {
  std::string out;
  int exit_code = 0;
};

CommandRun RunEmbed(std::vector<std::string> args) {
  CLI::App app("test");
  AddEmbedCommand(app);
  args.insert(args.begin(), {"isartor", "embed"});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  CommandRun run;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::Error& e) {
    run.exit_code = e.get_exit_code();
  }
  std::cout.rdbuf(old);
  run.out = captured.str();
  return run;
}

TEST(EmbedCommandTest, PrintsOneJsonLinePerTextWithTokensAnd384Floats) {
  if (!TestModelPresent()) GTEST_SKIP() << "model folder absent: run scripts/setup_models.sh";
  CommandRun run = RunEmbed({"--model-dir", TestModelDir(), "hello", "Tab\t\"quoted\""});
  ASSERT_EQ(run.exit_code, 0);
  std::istringstream lines(run.out);
  std::string line;
  std::vector<boost::json::object> objs;
  while (std::getline(lines, line)) objs.push_back(boost::json::parse(line).as_object());
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(objs[0].at("text").as_string(), "hello");
  EXPECT_EQ(boost::json::serialize(objs[0].at("tokens")), "[101,7592,102]");
  EXPECT_EQ(objs[0].at("embedding").as_array().size(), 384u);
  EXPECT_EQ(objs[1].at("text").as_string(), "Tab\t\"quoted\"");
}

TEST(EmbedCommandTest, MissingModelFolderExitsWithStatus1) {
  CommandRun run = RunEmbed({"--model-dir", "/nonexistent-isartor-model", "hello"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
}

TEST(EmbedCommandTest, NoTextExitsWithStatus2) {
  EXPECT_EQ(RunEmbed({}).exit_code, 2);
}

}  // namespace
}  // namespace isartor::embed
