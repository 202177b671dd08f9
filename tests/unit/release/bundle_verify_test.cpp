#include "release/bundle_verify.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "release/bundle_files.h"
#include "release/bundle_sums.h"
#include "test_util.h"

namespace isartor::release {
namespace {

using audit::testing::ReadAll;
using audit::testing::TempDir;
using audit::testing::WriteAll;

// A signed bundle folder with a binary, a nested doc and the key pair next to it.
class BundleVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::testing::WriteKeyPair(keys_);
    std::filesystem::create_directories(Root() + "/bin");
    std::filesystem::create_directories(Root() + "/docs/sub");
    WriteAll(Root() + "/bin/isartor", std::string(100000, 'x') + "binary");
    WriteAll(Root() + "/docs/sub/release.md", "# release\n");
    signer_ = std::move(audit::Ed25519Signer::FromPemFile(keys_.File("priv.pem")).value());
    verifier_ = std::move(audit::Ed25519Verifier::FromPemFile(keys_.File("pub.pem")).value());
    ASSERT_EQ(SignBundleDir(Root(), *signer_).value(), 2u);
  }
  std::string Root() const { return bundle_.path(); }
  BundleReport Verify() const { return VerifyBundle(ReadBundleDir(Root()).value(), *verifier_); }

  TempDir keys_, bundle_;
  std::unique_ptr<audit::Ed25519Signer> signer_;
  std::unique_ptr<audit::Ed25519Verifier> verifier_;
};

TEST_F(BundleVerifyTest, ASignedBundleVerifies) {
  const BundleReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.Summary();
  EXPECT_EQ(r.files_verified, 2u);
  EXPECT_EQ(r.Summary(), "OK: signature by key " + signer_->KeyId() + " verifies; 2 files " +
                             "match SHA256SUMS");
}

TEST_F(BundleVerifyTest, SumsUseTheCoreutilsFormatSortedByPath) {
  const std::string sums = ReadAll(Root() + "/SHA256SUMS");
  EXPECT_NE(sums.find("  bin/isartor\n"), std::string::npos);
  EXPECT_LT(sums.find("bin/isartor"), sums.find("docs/sub/release.md"));
  EXPECT_EQ(ReadAll(Root() + "/SHA256SUMS.sig").size(), 64u);
}

TEST_F(BundleVerifyTest, OneChangedByteNamesTheFile) {
  std::string bin = ReadAll(Root() + "/bin/isartor");
  bin[5000] ^= 1;
  WriteAll(Root() + "/bin/isartor", bin);
  const BundleReport r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.signature_ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("bin/isartor: SHA-256 mismatch"), std::string::npos);
  EXPECT_NE(r.Summary().find("FAILED: 1 problem;"), std::string::npos);
}

TEST_F(BundleVerifyTest, MissingAndExtraFilesAreEachNamed) {
  std::filesystem::remove(Root() + "/docs/sub/release.md");
  WriteAll(Root() + "/bin/helper", "smuggled");
  const BundleReport r = Verify();
  ASSERT_EQ(r.problems.size(), 2u) << r.Summary();
  EXPECT_EQ(r.problems[0], "docs/sub/release.md: missing (listed in SHA256SUMS)");
  EXPECT_EQ(r.problems[1], "bin/helper: extra file, not listed in SHA256SUMS");
}

TEST_F(BundleVerifyTest, AnotherKeyOrAnEditedListingFailsTheSignature) {
  TempDir other;
  audit::testing::WriteKeyPair(other);
  auto wrong = audit::Ed25519Verifier::FromPemFile(other.File("pub.pem")).value();
  BundleReport r = VerifyBundle(ReadBundleDir(Root()).value(), *wrong);
  EXPECT_FALSE(r.signature_ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("does not verify under key " + wrong->KeyId()),
            std::string::npos);

  // Re-listing a changed file in SHA256SUMS does not help: the signature covers the listing.
  std::string bin = ReadAll(Root() + "/bin/isartor") + "!";
  WriteAll(Root() + "/bin/isartor", bin);
  auto contents = ReadBundleDir(Root()).value();
  WriteAll(Root() + "/SHA256SUMS", FormatSums(contents.files));
  r = Verify();
  EXPECT_FALSE(r.signature_ok);
  EXPECT_EQ(r.files_verified, 2u);
  EXPECT_NE(r.Summary().find("(signature not valid)"), std::string::npos);
}

TEST_F(BundleVerifyTest, MissingSignatureOrListingIsNamed) {
  std::filesystem::remove(Root() + "/SHA256SUMS.sig");
  BundleReport r = Verify();
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0], "SHA256SUMS.sig is missing");
  std::filesystem::remove(Root() + "/SHA256SUMS");
  r = Verify();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("SHA256SUMS is missing"), std::string::npos);
}

TEST_F(BundleVerifyTest, ASymlinkInTheBundleIsReported) {
  std::filesystem::create_symlink("/etc/passwd", Root() + "/docs/link");
  const BundleReport r = Verify();
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0], "docs/link is not a regular file (a bundle holds only files)");
}

TEST(BundleSumsTest, MalformedLinesAreRejectedWithTheirNumber) {
  const std::string hex(64, 'a');
  EXPECT_TRUE(ParseSums(hex + "  bin/isartor\n").ok());
  EXPECT_TRUE(ParseSums(hex + " *bin/isartor\n").ok());
  EXPECT_EQ(ParseSums(hex + "  a\nnot a line\n").error().message,
            "SHA256SUMS line 2 is not '<sha256 hex>  <path>'");
  EXPECT_EQ(ParseSums(hex + "  a\n" + hex + "  a\n").error().message,
            "SHA256SUMS line 2 lists 'a' a second time");
  EXPECT_EQ(ParseSums(hex + "  ../etc/passwd\n").error().message,
            "SHA256SUMS line 1 names an unsafe path '../etc/passwd'");
  EXPECT_EQ(ParseSums(hex + "  /etc/passwd\n").error().message,
            "SHA256SUMS line 1 names an unsafe path '/etc/passwd'");
  EXPECT_EQ(ParseSums(hex + "  a").error().message,
            "SHA256SUMS line 1 has no line end: the file is truncated");
  EXPECT_FALSE(ParseSums("").ok());
}

}  // namespace
}  // namespace isartor::release
