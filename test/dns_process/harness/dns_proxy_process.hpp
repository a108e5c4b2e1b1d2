// agora-dns (AGORA_DNS_BIN) as a child process for the tests: started with
// the arguments a test gives (`--port P [--host H] --upstream HOST:PORT
// ...`), ready once it answers a UDP query (any reply to ". SOA"), its
// stderr kept in a file for failed checks, signals on demand
// (SIGSTOP/SIGCONT/SIGKILL), and stopped with SIGTERM (then SIGKILL) when
// it goes. Not yet run against the proxy itself, which is being written.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "scratch_dir.hpp"

namespace dns_process {

class dns_proxy_process {
 public:
  /// Starts `program args...` and waits at most `ready_timeout` for a reply
  /// from HOST:PORT (where the arguments told it to listen). Throws
  /// std::runtime_error with its stderr if it exits or stays silent.
  dns_proxy_process(const std::string& program, std::vector<std::string> args, std::string host,
                    std::uint16_t port, std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  dns_proxy_process(const dns_proxy_process&) = delete;
  dns_proxy_process& operator=(const dns_proxy_process&) = delete;
  ~dns_proxy_process();

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }

  void signal(int sig) const;
  /// SIGCONT (in case it was stopped), SIGTERM, at most `grace` for the
  /// exit, then SIGKILL: the exit code (or 128 + the signal), nullopt if
  /// it had to be killed or was already reaped.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  /// Waits at most `timeout` for an exit of its own (after SIGKILL, say).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// All it wrote to stderr so far.
  std::string stderr_text() const;

 private:
  agora_test::scratch_dir dir_;  // its stderr file; outlives the process
  std::string host_;
  std::uint16_t port_;
  std::optional<agora_apps::child_process> process_;
};

}  // namespace dns_process
