// Loads the committed reference fixture (tools/embed_reference.py) for the embed tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::embed::testing {

struct ReferenceCase {
  std::string text;
  std::vector<int32_t> tokens;
  std::vector<float> embedding;
};

// Parses tests/fixtures/embed/reference.jsonl; an error names the file and line.
Result<std::vector<ReferenceCase>> LoadReferenceCases();

// The model folder the tests use (the default models folder baked in at configure time).
std::string TestModelDir();
// True if TestModelDir() holds the files the engine needs.
bool TestModelPresent();
// Reads a whole file; error if it cannot be read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace isartor::embed::testing
