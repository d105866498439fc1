// Prometheus HTTP service discovery served by eddy-coordinator: GET /api/v1/prometheus-targets
// answers http_sd_configs JSON (https://prometheus.io/docs/prometheus/latest/http_sd/) listing
// every daemon's /metrics endpoint — eddy-logd (--log-store-http), the coordinator itself,
// every live node and every running container — each group labelled with `daemon` (and
// node, eddy_job, container). Behind the coordinator's token: "Authorization: Bearer <token>", else
// 401. `eddy grid up` writes a prometheus.yml pointing at it. Used by coordinator_main.cc.
#pragma once

#include <string>

#include "coordinator/server/cluster_manager.h"
#include "log-store/http/http_server.h"

namespace eddy::cluster {

// The target groups as JSON. `log_store_http` and `coordinator_http` are HOST:PORT ("" =
// left out).
std::string PrometheusTargetsJson(ClusterManager& manager, const std::string& log_store_http,
                                  const std::string& coordinator_http);

// Adds GET /api/v1/prometheus-targets to `server` (before its Start()); the coordinator's own
// target is `server`'s bound address. `manager` and `server` must outlive the route.
void ServePrometheusTargets(http::HttpServer& server, ClusterManager* manager, std::string token,
                            std::string log_store_http);

}  // namespace eddy::cluster
