#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

#include <httplib.h>

#include <stdexcept>

#include "gtest/gtest.h"

namespace eddy::http {
namespace {

}  // namespace
httplib::Client ClientFor(const std::string& address) {
  auto colon = address.rfind(':');
  return httplib::Client(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
}
namespace {

TEST(HttpServer, RoutesExactThenLongestPrefix) {
  HttpServer s;
  s.Handle("GET", "/metrics", [](const Request&) { return Response::Text(200, "exact\n"); });
  s.HandlePrefix("GET", "/api/", [](const Request& r) {
    return Response::Json(200, "{\"path\":\"" + r.path + "\",\"q\":\"" + r.Query("x") + "\"}");
  });
  s.HandlePrefix("GET", "/api/jobs/", [](const Request&) { return Response::Text(200, "jobs"); });
  s.Handle("POST", "/echo", [](const Request& r) {
    return Response::Text(201, r.body + "|" + r.Header("x-token"));
  });
  auto addr = s.Start("127.0.0.1:0");
  ASSERT_TRUE(addr.ok()) << addr.status();
  auto c = ClientFor(*addr);
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "exact\n");
  r = c.Get("/api/nodes?x=7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"path\":\"/api/nodes\",\"q\":\"7\"}");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  r = c.Get("/api/jobs/wc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "jobs");
  r = c.Post("/echo", {{"X-Token", "t1"}}, "hello", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "hello|t1");
  r = c.Get("/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST(HttpServer, RefusesOversizedBodiesAndSurvivesThrowingHandlers) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  HttpServer s(o);
  s.Handle("POST", "/in", [](const Request& r) { return Response::Text(200, std::to_string(r.body.size())); });
  s.Handle("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("kaput"); });
  auto addr = s.Start("127.0.0.1:0");
  ASSERT_TRUE(addr.ok()) << addr.status();
  auto c = ClientFor(*addr);
  auto r = c.Post("/in", std::string(4096, 'a'), "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  r = c.Get("/boom");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("kaput"), std::string::npos);
  r = c.Post("/in", std::string(100, 'a'), "text/plain");  // still serving
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "100");
}

TEST(HttpServer, BadAddressesAreErrorsThatNameThem) {
  HttpServer s;
  auto a = s.Start("localhost");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("localhost"), std::string::npos);
  auto b = s.Start("127.0.0.1:99999");
  ASSERT_FALSE(b.ok());
  HttpServer first;
  auto bound = first.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  HttpServer second;
  auto clash = second.Start(*bound);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpServer, StopIsIdempotentAndClosesThePort) {
  auto s = std::make_unique<HttpServer>();
  s->Handle("GET", "/", [](const Request&) { return Response::Text(200, "ok"); });
  auto addr = s->Start("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  s->Stop();
  s->Stop();
  auto c = ClientFor(*addr);
  EXPECT_FALSE(c.Get("/"));
}

}  // namespace
}  // namespace eddy::http

namespace eddy::http {
namespace {

TEST(MetricsEndpoint, ServesEveryRegistryInTextFormat) {
  auto a = std::make_shared<prometheus::Registry>();
  auto b = std::make_shared<prometheus::Registry>();
  auto& requests = prometheus::BuildCounter()
                       .Name("eddy_test_requests_total")
                       .Help("requests served")
                       .Register(*a);
  requests.Add({{"api", "produce"}}).Increment(3);
  prometheus::BuildGauge().Name("eddy_test_connections").Help("open").Register(*b).Add({}).Set(2);
  HttpServer s;
  ServeMetrics(s, {a, b});
  auto addr = s.Start("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto c = ClientFor(*addr);
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("eddy_test_requests_total{api=\"produce\"} 3"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("eddy_test_connections 2"), std::string::npos) << r->body;
  EXPECT_NE(r->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);
}

}  // namespace
}  // namespace eddy::http
