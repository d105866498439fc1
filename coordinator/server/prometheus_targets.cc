#include "coordinator/server/prometheus_targets.h"

#include "coordinator/common/auth.h"
#include "nlohmann/json.hpp"

namespace eddy::cluster {

std::string PrometheusTargetsJson(ClusterManager& manager, const std::string& log_store_http,
                                  const std::string& coordinator_http) {
  nlohmann::json groups = nlohmann::json::array();
  auto add = [&](const std::string& target, nlohmann::json labels) {
    if (target.empty()) return;
    groups.push_back({{"targets", {target}}, {"labels", std::move(labels)}});
  };
  add(log_store_http, {{"daemon", "eddy-logd"}});
  add(coordinator_http, {{"daemon", "eddy-coordinator"}});
  for (const auto& n : manager.ListNodes()) {
    if (n.alive()) add(n.http_address(), {{"daemon", "eddy-node"}, {"node", n.node_id()}});
  }
  for (const auto& j : manager.ListJobs()) {
    for (const auto& c : j.containers()) {
      if (c.state() != "running") continue;
      // `eddy_job`, not `job`: Prometheus' own `job` label names the scrape config.
      add(c.http_address(), {{"daemon", "eddy-container"},
                             {"eddy_job", j.job()},
                             {"container", c.id()},
                             {"node", c.node()}});
    }
  }
  return groups.dump();
}

void ServePrometheusTargets(http::HttpServer& server, ClusterManager* manager, std::string token,
                            std::string log_store_http) {
  http::HttpServer* self = &server;
  server.Handle("GET", "/api/v1/prometheus-targets",
                [self, manager, token = std::move(token),
                 log_store_http = std::move(log_store_http)](const http::Request& req) {
                  if (!TokenMatches(req.Header("Authorization"), token)) {
                    http::Response r = http::Response::Text(
                        401,
                        "missing or wrong token: send Authorization: Bearer <token> (the "
                        "grid's token file)\n");
                    r.headers.push_back({"WWW-Authenticate", "Bearer"});
                    return r;
                  }
                  return http::Response::Json(
                      200, PrometheusTargetsJson(*manager, log_store_http, self->address()));
                });
}

}  // namespace eddy::cluster
