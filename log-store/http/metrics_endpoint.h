// The `/metrics` route of a daemon: Prometheus' text exposition format (version 0.0.4) of every
// metric family in the given registries, written by prometheus-cpp's TextSerializer. Each daemon
// keeps one prometheus::Registry (its metrics "probes" add families to it) and calls
// ServeMetrics once, before HttpServer::Start.
#pragma once

#include <memory>
#include <vector>

#include "log-store/http/http_server.h"
#include "prometheus/collectable.h"

namespace eddy::http {

// Adds GET /metrics to `server`, collecting from `sources` at every scrape (a Registry is a
// Collectable; so is any custom collector that converts other state at scrape time).
void ServeMetrics(HttpServer& server,
                  std::vector<std::shared_ptr<prometheus::Collectable>> sources);

}  // namespace eddy::http
