#include "log-store/http/metrics_endpoint.h"

#include "prometheus/text_serializer.h"

namespace eddy::http {

void ServeMetrics(HttpServer& server,
                  std::vector<std::shared_ptr<prometheus::Collectable>> sources) {
  server.Handle("GET", "/metrics", [sources = std::move(sources)](const Request&) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& s : sources) {
      auto f = s->Collect();
      families.insert(families.end(), std::make_move_iterator(f.begin()),
                      std::make_move_iterator(f.end()));
    }
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = prometheus::TextSerializer().Serialize(families);
    return r;
  });
}

}  // namespace eddy::http
