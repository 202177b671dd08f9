#include "common/uuid.h"

#include <gtest/gtest.h>

namespace isartor {
namespace {

TEST(UuidTest, RecognisesCanonicalUuids) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(IsUuid("req_0123456789abcdef00000001"));
  EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
}

TEST(UuidTest, AnIdThatIsNotAUuidGetsAStableVersion8Uuid) {
  std::string u = UuidForId("req_0123456789abcdef00000001");
  EXPECT_TRUE(IsUuid(u)) << u;
  EXPECT_EQ(u[14], '8');                                      // version 8
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);  // RFC 9562 variant
  EXPECT_EQ(u, UuidForId("req_0123456789abcdef00000001"));    // same id, same UUID
  EXPECT_NE(u, UuidForId("req_0123456789abcdef00000002"));
}

TEST(UuidTest, AUuidIdIsKept) {
  EXPECT_EQ(UuidForId("123e4567-e89b-12d3-a456-426614174000"),
            "123e4567-e89b-12d3-a456-426614174000");
}

}  // namespace
}  // namespace isartor
