#include "audit/ed25519.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace isartor::audit {
namespace {

TEST(Ed25519Test, SignatureVerifiesOnlyWithTheMatchingKeyAndMessage) {
  auto signer = Ed25519Signer::Generate();
  ASSERT_TRUE(signer.ok());
  auto other = Ed25519Signer::Generate();
  ASSERT_TRUE(other.ok());
  auto sig = (*signer)->Sign("message");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);

  auto verifier = Ed25519Verifier::FromPem((*signer)->PublicKeyPem().value());
  auto wrong = Ed25519Verifier::FromPem((*other)->PublicKeyPem().value());
  ASSERT_TRUE(verifier.ok());
  ASSERT_TRUE(wrong.ok());
  EXPECT_TRUE((*verifier)->Verify("message", *sig));
  EXPECT_FALSE((*verifier)->Verify("messagE", *sig));
  EXPECT_FALSE((*wrong)->Verify("message", *sig));
  EXPECT_FALSE((*verifier)->Verify("message", sig->substr(1)));
  EXPECT_EQ((*verifier)->KeyId(), (*signer)->KeyId());
  EXPECT_NE((*wrong)->KeyId(), (*signer)->KeyId());
}

TEST(Ed25519Test, PrivateKeyPemRoundTripsAndDoublesAsAPublicKey) {
  auto signer = Ed25519Signer::Generate();
  ASSERT_TRUE(signer.ok());
  const std::string pem = (*signer)->PrivateKeyPem().value();
  auto again = Ed25519Signer::FromPem(pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->KeyId(), (*signer)->KeyId());
  auto verifier = Ed25519Verifier::FromPem(pem);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify("m", (*again)->Sign("m").value()));
}

TEST(Ed25519Test, BadKeyFilesAreErrorsNotCrashes) {
  testing::TempDir dir;
  EXPECT_EQ(Ed25519Signer::FromPemFile(dir.File("missing")).error().code, ErrorCode::kNotFound);
  testing::WriteAll(dir.File("junk.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n");
  EXPECT_EQ(Ed25519Signer::FromPemFile(dir.File("junk.pem")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Verifier::FromPemFile(dir.File("junk.pem")).error().code,
            ErrorCode::kInvalidArgument);
  // A public key cannot sign.
  testing::WriteKeyPair(dir);
  EXPECT_FALSE(Ed25519Signer::FromPemFile(dir.File("pub.pem")).ok());
}

}  // namespace
}  // namespace isartor::audit
