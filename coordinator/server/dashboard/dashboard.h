// The coordinator's web dashboard: pages (overview, job, container log) and the JSON API under
// /api/v1/ they read, served on the coordinator's HttpServer (the one that also serves
// /metrics) behind the coordinator's token (dashboard_auth.h). docs/DASHBOARD.md lists the
// pages and routes. The Dashboard owns the JobSampler thread that keeps each job's throughput
// and lag history; destroy it only after the HttpServer has stopped (its handlers use it).
// Used by coordinator_main.cc.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "coordinator/server/cluster_manager.h"
#include "log-store/http/http_server.h"

namespace eddy::dashboard {

struct DashboardOptions {
  std::string token;      // the coordinator's token ("" = --insecure: no login)
  std::string log_store;  // HOST:PORT of eddy-logd's native API ("" = no topics page)
  std::chrono::milliseconds sample_interval{2000};
  size_t sample_points = 300;                    // per job: 10 minutes at 2 s
  std::chrono::milliseconds rpc_deadline{3000};  // per call to a container, node or broker
  size_t max_log_bytes = 256 << 10;              // per log read
  size_t max_topics = 1000;
};

class Dashboard;

// Adds the dashboard's routes to `http` (before http.Start()) and starts its sampler. The
// manager must outlive the returned Dashboard.
std::unique_ptr<Dashboard> RegisterDashboard(http::HttpServer& http,
                                             cluster::ClusterManager& manager,
                                             DashboardOptions options);

class Dashboard {
 public:
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

 private:
  friend std::unique_ptr<Dashboard> RegisterDashboard(http::HttpServer&, cluster::ClusterManager&,
                                                      DashboardOptions);
  struct Impl;
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::dashboard
