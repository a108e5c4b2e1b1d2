// agora-node's optional HTTP port (--http HOST:PORT): GET /metrics in the
// Prometheus text exposition format and GET /status as the JSON of
// `agora-node status --json`. cpp-httplib serves it on threads of its own,
// so the ground's I/O thread never waits for a client; each request waits
// (at most a bound) for its answer from the I/O thread instead. Anything
// else is 404; requests are bounded in size and time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "telemetry_settings.hpp"

namespace agora::node_app {

class http_endpoint {
 public:
  /// Each returns the body, or nullopt when the node cannot answer now (503).
  struct sources {
    std::function<std::optional<std::string>()> metrics;  // Prometheus text
    std::function<std::optional<std::string>()> status;   // JSON
  };

  /// Binds `where` (port 0: any) and serves; std::runtime_error when it
  /// cannot bind.
  http_endpoint(const host_port& where, sources from);
  /// Stops serving and joins its threads.
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  /// "HOST:PORT" bound.
  const std::string& address() const noexcept { return address_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string address_;
};

/// Largest request body accepted (the endpoints take none).
inline constexpr std::size_t http_max_body_bytes = 4096;

}  // namespace agora::node_app
