// PrometheusConfig: the prometheus.yml that `eddy grid up` writes into the grid directory. One
// scrape job finds every daemon of the grid — eddy-logd, eddy-coordinator, the nodes and the
// running containers — through the coordinator's Prometheus HTTP service discovery
// (GET /api/v1/prometheus-targets, behind the grid's token), so containers are scraped as jobs
// start, move and stop. `honor_labels: true` keeps the `job` label of Eddy's own series (an
// Eddy job's name) instead of renaming it `exported_job`. Run it with
// `prometheus --config.file=<grid>/prometheus.yml`.
#pragma once

#include <string>

namespace eddy::cli {

// `coordinator_http` is the coordinator's HTTP endpoint HOST:PORT, `token_file` the grid's
// token file; `scrape_interval` a Prometheus duration ("15s").
std::string PrometheusConfig(const std::string& coordinator_http, const std::string& token_file,
                             const std::string& scrape_interval = "15s");

}  // namespace eddy::cli
