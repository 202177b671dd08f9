#include "fixture.h"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace isartor::embed::testing {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TestModelDir() { return ISARTOR_TEST_MODEL_DIR; }

bool TestModelPresent() {
  namespace fs = std::filesystem;
  const fs::path dir = TestModelDir();
  return fs::exists(dir / "model.safetensors") && fs::exists(dir / "config.json") &&
         fs::exists(dir / "vocab.txt");
}

Result<std::vector<ReferenceCase>> LoadReferenceCases() {
  const std::string path = ISARTOR_EMBED_FIXTURE;
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open " + path);
  std::vector<ReferenceCase> cases;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      return MakeError(ErrorCode::kDataLoss, path + ":" + std::to_string(line_no) + ": bad JSON");
    }
    ReferenceCase c;
    try {  // Boost.JSON accessors throw on a missing key or wrong type
      const auto& obj = v.as_object();
      c.text = std::string(obj.at("text").as_string());
      for (const auto& t : obj.at("tokens").as_array()) {
        c.tokens.push_back(static_cast<int32_t>(t.to_number<int64_t>()));
      }
      for (const auto& x : obj.at("embedding").as_array()) {
        c.embedding.push_back(static_cast<float>(x.to_number<double>()));
      }
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kDataLoss,
                       path + ":" + std::to_string(line_no) + ": " + e.what());
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace isartor::embed::testing
