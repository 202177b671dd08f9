#include "release/tar_gz_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "release/bundle_files.h"
#include "test_util.h"

namespace isartor::release {
namespace {

using audit::testing::ReadAll;
using audit::testing::TempDir;
using audit::testing::WriteAll;

// Packs dir/<top> with the system tar (as scripts/release.sh does) into dir/b.tar.gz.
std::string Pack(const TempDir& dir, const std::string& top, const std::string& format) {
  const std::string out = dir.File("b.tar.gz");
  const std::string cmd = "tar --format=" + format + " -C " + dir.path() + " -czf " + out +
                          " " + top;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return out;
}

class TarGzReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("b/bin"));
    // A path longer than ustar's 100-byte name field (GNU 'L' / pax 'path' records).
    long_dir_ = "b/" + std::string(120, 'd');
    std::filesystem::create_directories(dir_.File(long_dir_));
    WriteAll(dir_.File("b/bin/isartor"), std::string(70000, 'z'));
    WriteAll(dir_.File(long_dir_ + "/f.txt"), "hello");
  }
  TempDir dir_;
  std::string long_dir_;
};

TEST_F(TarGzReaderTest, ReadsFilesAndLongNamesInGnuAndPaxFormat) {
  for (const std::string format : {"gnu", "pax"}) {
    auto bundle = ReadBundleTarGz(Pack(dir_, "b", format));
    ASSERT_TRUE(bundle.ok()) << format << ": " << bundle.error().message;
    ASSERT_EQ(bundle->files.size(), 2u) << format;
    EXPECT_EQ(bundle->files.at("bin/isartor").size, 70000u);
    EXPECT_EQ(bundle->files.at(long_dir_.substr(2) + "/f.txt").sha256_hex,
              "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  }
}

TEST_F(TarGzReaderTest, ATruncatedArchiveSaysSo) {
  const std::string path = Pack(dir_, "b", "gnu");
  const std::string full = ReadAll(path);
  for (size_t keep : {full.size() - 4, full.size() / 2, size_t{30}}) {
    WriteAll(path, full.substr(0, keep));
    auto bundle = ReadBundleTarGz(path);
    ASSERT_FALSE(bundle.ok()) << keep;
    EXPECT_EQ(bundle.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(bundle.error().message.find("truncated"), std::string::npos)
        << bundle.error().message;
  }
}

TEST_F(TarGzReaderTest, ACorruptedByteIsCaught) {
  const std::string path = Pack(dir_, "b", "gnu");
  std::string data = ReadAll(path);
  data[data.size() / 2] ^= 0x55;
  WriteAll(path, data);
  auto bundle = ReadBundleTarGz(path);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.error().code, ErrorCode::kDataLoss) << bundle.error().message;
}

TEST_F(TarGzReaderTest, NotATarIsRefusedClearly) {
  WriteAll(dir_.File("x.tar.gz"), std::string(2000, 'q'));
  auto bundle = ReadBundleTarGz(dir_.File("x.tar.gz"));
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.error().message.find("not a valid tar header at byte 0"), std::string::npos)
      << bundle.error().message;
}

TEST_F(TarGzReaderTest, MembersOutsideOneTopFolderAreRefused) {
  std::filesystem::create_directories(dir_.File("c"));
  WriteAll(dir_.File("c/evil"), "x");
  const std::string cmd = "tar -C " + dir_.path() + " -czf " + dir_.File("two.tar.gz") + " b c";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto bundle = ReadBundleTarGz(dir_.File("two.tar.gz"));
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.error().message.find("is not under the bundle's single top-level folder 'b'"),
            std::string::npos)
      << bundle.error().message;
}

TEST_F(TarGzReaderTest, ASymlinkMemberIsAnAnomaly) {
  std::filesystem::create_symlink("/etc/passwd", dir_.File("b/bin/link"));
  auto bundle = ReadBundleTarGz(Pack(dir_, "b", "gnu"));
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  ASSERT_EQ(bundle->anomalies.size(), 1u);
  EXPECT_EQ(bundle->anomalies[0],
            "bin/link is not a regular file (tar type '2'; a bundle holds only files)");
}

}  // namespace
}  // namespace isartor::release
