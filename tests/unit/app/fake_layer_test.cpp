// The proof that a layer owns its identity: a fake layer, added only through the public
// registration (GatewayOptions::layers), shows up in the chain order, the offline banner,
// /health, /metrics, its answer's headers, a trace span and the audit log of a real gateway
// serving on a loopback port — with no other file knowing it exists.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "../audit/test_util.h"
#include "app/gateway_app.h"
#include "otel/span.h"

namespace isartor {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using audit::testing::TempDir;

// "L1c": answers from a static FAQ (here: one entry, for every question).
class FaqLayer : public Layer {
 public:
  static const LayerInfo& Info() {
    static const LayerInfo info{"l1c", "L1c_StaticFaq", "L1c Static FAQ", LayerKind::kLocalModel,
                                /*deflects=*/true};
    return info;
  }
  const LayerInfo& info() const override { return Info(); }
  std::string State() const override { return "active (1 entry)"; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override {
    auto answer = std::make_shared<StoredAnswer>();
    answer->body = R"({"id":"chatcmpl-faq","object":"chat.completion","created":0,)"
                   R"("model":")" + ctx.resolved_model +
                   R"(","choices":[{"index":0,"message":{"role":"assistant","content":)"
                   R"("Open 9 to 5."},"finish_reason":"stop"}],)"
                   R"("usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}})";
    answer->total_tokens = 9;
    ctx.decision_detail = "faq entry: opening-hours";
    Status sent = co_await sink.SendComplete(200, answer->body, AnswerMeta{&Info(), {}});
    LayerResult r;
    r.verdict = LayerVerdict::kAnswered;
    r.status = sent.ok() ? 200 : 499;
    if (sent.ok()) r.answer = answer;
    co_return r;
  }
  void AddSpanAttributes(const RequestContext&, SpanAttributes& out) const override {
    out.SetString("isartor.faq.entry", "opening-hours");
  }
};

// Keeps finished spans; Submit runs on the gateway's threads, reads on the test's.
class LockedSpanSink : public otel::SpanSink {
 public:
  void Submit(otel::SpanData&& span) override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.push_back(std::move(span));
  }
  std::vector<otel::SpanData> spans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<otel::SpanData> spans_;
};

struct Reply {
  int status = 0;
  std::string layer, deflected, body;
};

Reply Call(const asio::ip::tcp::endpoint& at, http::verb verb, const std::string& target,
           const std::string& body = "") {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(at);
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(false);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  Reply r;
  r.status = res.result_int();
  if (auto it = res.find("X-Isartor-Layer"); it != res.end()) r.layer = std::string(it->value());
  if (auto it = res.find("X-Isartor-Deflected"); it != res.end()) {
    r.deflected = std::string(it->value());
  }
  r.body = res.body();
  return r;
}

const otel::SpanData* FindSpan(const std::vector<otel::SpanData>& spans, const std::string& name) {
  for (const auto& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const otel::AttributeValue* FindAttr(const otel::SpanData& span, const std::string& key) {
  for (const auto& a : span.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

constexpr const char* kQuestion =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"When are you open?"}]})";

class FakeLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::testing::WriteKeyPair(dir_);
    Config config;  // the defaults, not ./isartor.toml
    config.host_port = "127.0.0.1:0";
    config.threads = 1;
    config.cache_mode = "exact";      // no embedder needed: the test starts in milliseconds
    config.enable_slm_router = false;
    config.local_embeddings = false;
    config.offline_mode = true;       // the banner
    config.audit_log_path = dir_.File("audit.log");
    config.audit_signing_key_file = dir_.File("priv.pem");
    GatewayOptions options;
    // The one registration line: L1c goes before the upstream.
    auto l3 = std::find_if(options.layers.begin(), options.layers.end(),
                           [](const LayerRegistration& r) { return r.name == "l3"; });
    ASSERT_NE(l3, options.layers.end());
    options.layers.insert(l3, {"l1c", [](const LayerEnv&) -> Result<std::unique_ptr<Layer>> {
                                 return std::unique_ptr<Layer>(std::make_unique<FaqLayer>());
                               }});
    options.span_sink = &spans_;
    options.handle_signals = false;
    auto gateway = Gateway::Create(config, std::move(options));
    ASSERT_TRUE(gateway.ok()) << gateway.error().message;
    gateway_ = std::move(*gateway);
    runner_ = std::thread([this] { exit_code_ = gateway_->Run(); });
  }

  // Drains and stops the gateway (which seals the audit log); idempotent.
  void StopGateway() {
    if (!runner_.joinable()) return;
    gateway_->Stop();
    runner_.join();
  }

  void TearDown() override { StopGateway(); }

  TempDir dir_;
  LockedSpanSink spans_;
  std::unique_ptr<Gateway> gateway_;
  std::thread runner_;
  int exit_code_ = -1;
};

TEST_F(FakeLayerTest, ItTakesItsPlaceInTheChainOrder) {
  std::vector<std::string> names;
  for (const auto& layer : gateway_->chain().layers()) names.push_back(layer->info().name);
  EXPECT_EQ(names, (std::vector<std::string>{"l1a", "l1b", "l2", "l1c", "l3"}));
}

TEST_F(FakeLayerTest, TheBannerShowsItsTitleAndStateInChainOrder) {
  std::string banner = gateway_->OfflineBanner();
  auto l2 = banner.find("L2 SLM Router: disabled (ENABLE_SLM_ROUTER=false)");
  auto l1c = banner.find("L1c Static FAQ: active (1 entry)");
  auto l3 = banner.find("L3 Cloud Logic:");
  ASSERT_NE(l1c, std::string::npos) << banner;
  ASSERT_NE(l2, std::string::npos) << banner;
  ASSERT_NE(l3, std::string::npos) << banner;
  EXPECT_LT(l2, l1c);
  EXPECT_LT(l1c, l3);
}

TEST_F(FakeLayerTest, HealthReportsItsState) {
  Reply r = Call(gateway_->local_endpoint(), http::verb::get, "/health");
  ASSERT_EQ(r.status, 200);
  json::value health = json::parse(r.body);
  EXPECT_EQ(health.at("layers").at("l1c").as_string(), "active (1 entry)");
  EXPECT_EQ(health.at("layers").at("l3").as_string().size() > 0, true);
}

TEST_F(FakeLayerTest, ItsAnswerCarriesItsNameAndIsCountedInMetrics) {
  Reply r = Call(gateway_->local_endpoint(), http::verb::post, "/v1/chat/completions", kQuestion);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.layer, "l1c");
  EXPECT_EQ(r.deflected, "true");
  EXPECT_NE(r.body.find("Open 9 to 5."), std::string::npos);
  // The same question again is an L1a hit: the chain showed L1c's answer to the cache before it.
  Reply again = Call(gateway_->local_endpoint(), http::verb::post, "/v1/chat/completions",
                     kQuestion);
  EXPECT_EQ(again.layer, "l1a");

  std::string metrics = Call(gateway_->local_endpoint(), http::verb::get, "/metrics").body;
  EXPECT_NE(metrics.find("isartor_requests_total{final_layer=\"L1c_StaticFaq\",status_code=\"200\","
                         "endpoint_family=\"openai\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("isartor_layer_duration_seconds_count{layer_name=\"L1c_StaticFaq\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("isartor_layer_enabled{layer=\"l1c\"} 1"), std::string::npos);
}

TEST_F(FakeLayerTest, ItsDecisionIsTracedAndAudited) {
  Reply r = Call(gateway_->local_endpoint(), http::verb::post, "/v1/chat/completions", kQuestion);
  ASSERT_EQ(r.status, 200) << r.body;
  StopGateway();  // every span is submitted and the audit log sealed when Run() returns
  EXPECT_EQ(exit_code_, 0);

  std::vector<otel::SpanData> spans = spans_.spans();
  const otel::SpanData* layer_span = FindSpan(spans, "L1c_StaticFaq");
  ASSERT_NE(layer_span, nullptr);
  EXPECT_EQ(std::get<std::string>(*FindAttr(*layer_span, "isartor.faq.entry")), "opening-hours");
  EXPECT_EQ(std::get<bool>(*FindAttr(*layer_span, "isartor.hit")), true);
  const otel::SpanData* root = FindSpan(spans, "POST /v1/chat/completions");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(std::get<std::string>(*FindAttr(*root, "isartor.final_layer")), "L1c_StaticFaq");
  EXPECT_EQ(layer_span->parent_span_id, root->span_id);

  bool decision = false, response = false;
  for (const std::string& line : audit::testing::ReadLines(dir_.File("audit.log"))) {
    json::value v = json::parse(line);
    const json::object& o = v.as_object();
    const json::value* event = o.if_contains("event");
    const json::value* layer = o.if_contains("layer");
    if (!event || !layer || !event->is_string() || layer->as_string() != "l1c") continue;
    if (event->as_string() == "layer_decision") {
      decision = true;
      EXPECT_EQ(o.at("outcome").as_string(), "answered");
      EXPECT_EQ(o.at("detail").as_string(), "faq entry: opening-hours");
    }
    if (event->as_string() == "response_sent") response = true;
  }
  EXPECT_TRUE(decision);
  EXPECT_TRUE(response);
}

}  // namespace
}  // namespace isartor
