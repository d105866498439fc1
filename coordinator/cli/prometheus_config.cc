#include "coordinator/cli/prometheus_config.h"

#include "absl/strings/str_cat.h"

namespace eddy::cli {

std::string PrometheusConfig(const std::string& coordinator_http, const std::string& token_file,
                             const std::string& scrape_interval) {
  return absl::StrCat(
      "# Written by `eddy grid up`: scrapes every daemon of this grid, found through the\n"
      "# coordinator's Prometheus service discovery (containers come and go with their jobs).\n"
      "# Run: prometheus --config.file=<this file>\n"
      "global:\n"
      "  scrape_interval: ",
      scrape_interval,
      "\n"
      "  evaluation_interval: ",
      scrape_interval,
      "\n"
      "scrape_configs:\n"
      "  - job_name: eddy\n"
      "    honor_labels: true\n"
      "    http_sd_configs:\n"
      "      - url: http://",
      coordinator_http,
      "/api/v1/prometheus-targets\n"
      "        refresh_interval: ",
      scrape_interval,
      "\n"
      "        authorization:\n"
      "          type: Bearer\n"
      "          credentials_file: ",
      token_file, "\n");
}

}  // namespace eddy::cli
