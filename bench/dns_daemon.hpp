// A daemon of the dns benchmark (nsd, agora-dns, unbound, dnsmasq) as a
// child process, its stdout and stderr in a log file (never a pipe that
// could fill and stall it). When the object goes it is stopped: SIGTERM,
// then, if it has not exited within 5 s, SIGKILL — also to the processes
// it forked (nsd forks its server and xfrd), known by pid and start time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace agora_bench {

class dns_daemon {
 public:
  /// Starts argv (argv[0] a path); its output goes to `log`.
  dns_daemon(std::string name, std::vector<std::string> argv, std::filesystem::path log, std::uint16_t port);
  dns_daemon(const dns_daemon&) = delete;
  dns_daemon& operator=(const dns_daemon&) = delete;
  ~dns_daemon();

  const std::string& name() const noexcept { return name_; }
  std::uint16_t port() const noexcept { return port_; }
  /// The daemon's own pid (the shell that started it exec'ed it).
  pid_t pid() const noexcept { return child_.pid(); }
  /// CPU seconds it has used so far (all threads); throws if it is gone.
  double cpu_seconds() const;
  /// The last lines of its log, indented, for a failure report.
  std::string log_tail() const;

 private:
  std::string name_;
  std::filesystem::path log_;
  std::uint16_t port_;
  agora_apps::child_process child_;
};

}  // namespace agora_bench
