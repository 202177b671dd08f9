#include "net/network_policy.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace isartor {
namespace {

namespace ip = boost::asio::ip;

NetworkPolicy Defaults() {
  Config c;
  return NetworkPolicy::Create(true, c.internal_networks, c.internal_domains).value();
}

TEST(NetworkPolicyTest, DefaultInternalNetworksAreLoopbackPrivateAndUniqueLocal) {
  auto p = Defaults();
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "::1", "fd12:3456::1", "::ffff:10.0.0.1"}) {
    EXPECT_TRUE(p.IsInternalAddress(ip::make_address(a))) << a;
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "11.0.0.1", "2001:db8::1", "1.1.1.1"}) {
    EXPECT_FALSE(p.IsInternalAddress(ip::make_address(a))) << a;
  }
}

TEST(NetworkPolicyTest, LinkLocalAndMetadataAreNeverInternal) {
  auto p = NetworkPolicy::Create(true, {"0.0.0.0/0", "::/0"}, {}).value();
  EXPECT_FALSE(p.IsInternalAddress(ip::make_address("169.254.169.254")));
  EXPECT_FALSE(p.IsInternalAddress(ip::make_address("fe80::1")));
  EXPECT_FALSE(p.IsInternalAddress(ip::make_address("fd00:ec2::254")));
  EXPECT_TRUE(p.IsInternalAddress(ip::make_address("8.8.8.8")));
}

TEST(NetworkPolicyTest, DomainSuffixesMatchWholeLabels) {
  auto p = Defaults();
  EXPECT_TRUE(p.IsInternalName("localhost"));
  EXPECT_TRUE(p.IsInternalName("vllm.internal.corp"));
  EXPECT_TRUE(p.IsInternalName("svc.default.svc.cluster.local"));
  EXPECT_TRUE(p.IsInternalName("LLM.CORP."));
  EXPECT_FALSE(p.IsInternalName("api.openai.com"));
  EXPECT_FALSE(p.IsInternalName("evilcorp"));          // no dot before "corp"
  EXPECT_FALSE(p.IsInternalName("localhost.evil.com"));
  EXPECT_FALSE(p.IsInternalName(""));
}

TEST(NetworkPolicyTest, BadNetworksAreAllReported) {
  auto p = NetworkPolicy::Create(true, {"10.0.0.0/33", "nonsense", "10.0.0.0/8"}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("10.0.0.0/33"), std::string::npos);
  EXPECT_NE(p.error().message.find("nonsense"), std::string::npos);
}

TEST(NetworkPolicyTest, IpLiteralsAreRecognisedWithBrackets) {
  ip::address a;
  EXPECT_TRUE(NetworkPolicy::ParseIpLiteral("[::1]", &a));
  EXPECT_TRUE(NetworkPolicy::ParseIpLiteral("127.0.0.2", &a));
  EXPECT_FALSE(NetworkPolicy::ParseIpLiteral("localhost", &a));
}

}  // namespace
}  // namespace isartor
