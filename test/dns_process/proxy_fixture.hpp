// agora-dns in front of an upstream, for the proxy's process tests: the
// program (AGORA_DNS_BIN) started on a free port with --upstream and, when a
// test gives one, a TOML file of its settings; a client for it.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dns_client.hpp"
#include "dns_proxy_process.hpp"
#include "socket_fd.hpp"
#include "scratch_dir.hpp"

namespace dns_process {

/// A result's error, or nothing: INFO(error_of(r)); REQUIRE(r.ok());
template <class R>
std::string error_of(const R& r) {
  return r.ok() ? std::string() : r.error();
}

/// Settings that make failures quick in tests: one attempt of 300 ms, a
/// client deadline of 1.5 s.
inline constexpr const char* quick_failures = R"([upstream]
attempt_timeout_ms = 300
max_attempts = 1
[clients]
deadline_ms = 1500
)";

struct proxy_under_test {
  /// agora-dns forwarding to `upstreams` ("HOST:PORT"), with `toml` as its
  /// --config (none if empty) and `extra` arguments.
  explicit proxy_under_test(std::vector<std::string> upstreams, std::string toml = {},
                            std::vector<std::string> extra = {})
      : dir("agora-dns-test") {
    port = free_port();
    std::vector<std::string> args = {"--port", std::to_string(port), "--host", "127.0.0.1"};
    for (auto& u : upstreams) {
      args.push_back("--upstream");
      args.push_back(u);
    }
    if (!toml.empty()) {
      const auto file = (dir / "dns.toml").string();
      std::ofstream(file) << toml;
      args.push_back("--config");
      args.push_back(file);
    }
    for (auto& e : extra) args.push_back(e);
    process = std::make_unique<dns_proxy_process>(AGORA_DNS_BIN, args, "127.0.0.1", port);
  }

  dns_client client(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) const {
    return dns_client("127.0.0.1", port, timeout);
  }

  agora_test::scratch_dir dir;
  std::uint16_t port = 0;
  std::unique_ptr<dns_proxy_process> process;
};

}  // namespace dns_process
