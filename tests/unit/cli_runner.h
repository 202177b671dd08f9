// Runs a module's CLI subcommand through CLI11 as the main program would, for tests.
#pragma once

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace isartor::testing {

// Registers the subcommand with `add`, parses `args` (without the program name) and returns the
// exit status the main program would use; stdout is captured into `out` when given.
inline int RunCli(void (*add)(CLI::App&), std::vector<std::string> args,
                  std::string* out = nullptr) {
  CLI::App app("isartor");
  add(app);
  args.insert(args.begin(), "isartor");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  int code = 0;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    code = e.get_exit_code();
  }
  const std::string captured = ::testing::internal::GetCapturedStdout();
  if (out) *out = captured;
  return code;
}

}  // namespace isartor::testing
