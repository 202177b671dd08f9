// Broken model folders must give a clear error naming the file and the problem, never a
// crash. A tiny BERT (hidden 4, one layer) written by the test stands in for the real model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/model_files.h"
#include "embed/safetensors.h"

namespace isartor::embed {
namespace {

namespace fs = std::filesystem;

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
using Tensors = std::map<std::string, Tensor>;

constexpr int kHidden = 4, kInter = 8, kVocab = 8, kPositions = 300;

Tensor Make(std::vector<int64_t> shape, float base) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  Tensor t{std::move(shape), std::vector<float>(n)};
  for (int64_t i = 0; i < n; ++i) t.values[i] = base + 0.01f * static_cast<float>(i % 13);
  return t;
}

Tensors TinyTensors() {
  Tensors t;
  t["embeddings.word_embeddings.weight"] = Make({kVocab, kHidden}, 0.1f);
  t["embeddings.position_embeddings.weight"] = Make({kPositions, kHidden}, 0.0f);
  t["embeddings.token_type_embeddings.weight"] = Make({2, kHidden}, 0.0f);
  t["embeddings.LayerNorm.weight"] = Make({kHidden}, 1.0f);
  t["embeddings.LayerNorm.bias"] = Make({kHidden}, 0.0f);
  const std::string p = "encoder.layer.0.";
  for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                        "attention.output.dense"}) {
    t[p + m + ".weight"] = Make({kHidden, kHidden}, -0.05f);
    t[p + m + ".bias"] = Make({kHidden}, 0.0f);
  }
  t[p + "intermediate.dense.weight"] = Make({kInter, kHidden}, -0.05f);
  t[p + "intermediate.dense.bias"] = Make({kInter}, 0.0f);
  t[p + "output.dense.weight"] = Make({kHidden, kInter}, -0.05f);
  t[p + "output.dense.bias"] = Make({kHidden}, 0.0f);
  for (const char* ln : {"attention.output.LayerNorm", "output.LayerNorm"}) {
    t[p + ln + ".weight"] = Make({kHidden}, 1.0f);
    t[p + ln + ".bias"] = Make({kHidden}, 0.0f);
  }
  return t;
}

std::string SafetensorsBytes(const Tensors& tensors) {
  std::string header = "{";
  std::string data;
  for (const auto& [name, t] : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    const size_t begin = data.size();
    data.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
    header += (header.size() > 1 ? "," : "") + ("\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[") +
              shape + "],\"data_offsets\":[" + std::to_string(begin) + "," +
              std::to_string(data.size()) + "]}";
  }
  header += "}";
  while ((8 + header.size()) % 8 != 0) header += ' ';
  uint64_t len = header.size();
  return std::string(reinterpret_cast<const char*>(&len), 8) + header + data;
}

class BrokenModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("isartor_embed_model_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("config.json",
          R"({"vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1,
              "num_attention_heads": 2, "intermediate_size": 8,
              "max_position_embeddings": 300, "type_vocab_size": 2,
              "layer_norm_eps": 1e-12, "hidden_act": "gelu"})");
    Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n!\n");
    Write("model.safetensors", SafetensorsBytes(TinyTensors()));
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  Result<std::unique_ptr<Embedder>> Load() {
    EmbedderOptions options;
    options.model_dir = dir_.string();
    options.workers = 1;
    return Embedder::Create(std::move(options));
  }
  // Asserts loading fails with `code` and a message containing each of `parts`.
  void ExpectLoadError(ErrorCode code, std::initializer_list<std::string> parts) {
    auto e = Load();
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, code) << e.error().message;
    for (const auto& part : parts) {
      EXPECT_NE(e.error().message.find(part), std::string::npos)
          << "'" << part << "' not in: " << e.error().message;
    }
  }
  fs::path dir_;
};

TEST_F(BrokenModelTest, IntactTinyModelLoadsAndGivesUnitVectors) {
  auto e = Load();
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto v = (*e)->Embed("hello world!");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->tokens, (std::vector<int32_t>{2, 5, 6, 7, 3}));
  double n = 0;
  for (float x : v->vector) n += double{x} * x;
  EXPECT_NEAR(n, 1.0, 1e-5);
}

TEST_F(BrokenModelTest, TruncatedSafetensorsNamesTheFile) {
  std::string bytes = SafetensorsBytes(TinyTensors());
  Write("model.safetensors", bytes.substr(0, bytes.size() - 100));
  ExpectLoadError(ErrorCode::kDataLoss, {"model.safetensors", "truncated"});
}

TEST_F(BrokenModelTest, FileShorterThanTheHeaderLengthIsDataLoss) {
  Write("model.safetensors", std::string("\x40\x00\x00\x00\x00\x00\x00\x00{", 9));
  ExpectLoadError(ErrorCode::kDataLoss, {"model.safetensors", "header length"});
}

TEST_F(BrokenModelTest, GarbageHeaderIsDataLoss) {
  Write("model.safetensors", std::string("\x04\x00\x00\x00\x00\x00\x00\x00nope", 12));
  ExpectLoadError(ErrorCode::kDataLoss, {"model.safetensors", "JSON"});
}

TEST_F(BrokenModelTest, MissingTensorIsNamed) {
  Tensors t = TinyTensors();
  t.erase("encoder.layer.0.intermediate.dense.weight");
  Write("model.safetensors", SafetensorsBytes(t));
  ExpectLoadError(ErrorCode::kDataLoss,
                  {"model.safetensors", "encoder.layer.0.intermediate.dense.weight", "missing"});
}

TEST_F(BrokenModelTest, WrongShapeIsNamedWithBothShapes) {
  Tensors t = TinyTensors();
  t["embeddings.LayerNorm.bias"] = Make({kHidden + 1}, 0.f);
  Write("model.safetensors", SafetensorsBytes(t));
  ExpectLoadError(ErrorCode::kDataLoss, {"embeddings.LayerNorm.bias", "[5]", "[4]"});
}

TEST_F(BrokenModelTest, MissingVocabIsNotFoundNamingTheFile) {
  fs::remove(dir_ / "vocab.txt");
  ExpectLoadError(ErrorCode::kNotFound, {"vocab.txt"});
}

TEST_F(BrokenModelTest, VocabSizeDisagreeingWithConfigIsDataLoss) {
  Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
  ExpectLoadError(ErrorCode::kDataLoss, {"vocab.txt", "vocab_size"});
}

TEST_F(BrokenModelTest, ConfigWithoutHiddenSizeIsDataLoss) {
  Write("config.json", R"({"vocab_size": 8})");
  ExpectLoadError(ErrorCode::kDataLoss, {"config.json", "hidden_size"});
}

TEST_F(BrokenModelTest, MissingFolderIsNotFound) {
  fs::remove_all(dir_);
  ExpectLoadError(ErrorCode::kNotFound, {"config.json"});
}

TEST(ModelResolutionTest, EnvironmentVariableWinsOverTheDefaultFolder) {
  ::setenv("ISARTOR__EMBEDDING_MODEL_DIR", "/nonexistent-isartor-model", 1);
  auto files = ResolveModelFiles();
  ::unsetenv("ISARTOR__EMBEDDING_MODEL_DIR");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("/nonexistent-isartor-model"), std::string::npos);
}

TEST(ModelResolutionTest, ExplicitDirectoryWinsOverTheEnvironment) {
  ::setenv("ISARTOR__EMBEDDING_MODEL_DIR", "/nonexistent-env", 1);
  auto files = ResolveModelFiles("/nonexistent-flag");
  ::unsetenv("ISARTOR__EMBEDDING_MODEL_DIR");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("/nonexistent-flag"), std::string::npos);
}

TEST(ModelResolutionTest, EmbeddedModelIsReportedConsistently) {
  auto files = OpenEmbeddedModel();
  EXPECT_EQ(files.ok(), ModelIsEmbedded());
  if (files.ok()) {
    auto index = SafetensorsIndex::Parse(files->weights.bytes(), files->weights.name());
    EXPECT_TRUE(index.ok());
  }
}

}  // namespace
}  // namespace isartor::embed
