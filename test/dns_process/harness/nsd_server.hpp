// NSD (Debian 12's nsd 4.6) as an authoritative server for a test: one or
// more zones, written with their config into a fresh directory, served on
// ADDRESS:PORT (a free port unless one is given) by `nsd -d -c CONF` as a
// child process; the constructor returns once NSD answers its first zone's
// SOA. The destructor stops it (SIGTERM, then SIGKILL) and removes the
// directory. Runs as root or not: no privileges dropped, no chroot, no
// database, no remote control (as bench/dns_peers.cpp runs it too).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "scratch_dir.hpp"

namespace dns_process {

struct nsd_zone {
  std::string origin;  // absolute: "example.test."
  std::string text;    // the zone file (zone_text())
};

class nsd_server {
 public:
  /// Throws std::runtime_error, with NSD's log, if it does not answer
  /// within `ready_timeout` (or is not installed).
  explicit nsd_server(std::vector<nsd_zone> zones, std::string address = "127.0.0.1", std::uint16_t port = 0,
                      std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  nsd_server(const nsd_server&) = delete;
  nsd_server& operator=(const nsd_server&) = delete;
  ~nsd_server();

  const std::string& address() const noexcept { return address_; }
  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  /// What NSD wrote to stderr so far.
  std::string log() const;

  /// Stops NSD: SIGTERM, at most 3 s for its exit, then SIGKILL. Its exit
  /// code (or 128 + signal). Also done by the destructor.
  std::optional<int> stop();

 private:
  void write_files(std::uint16_t port) const;
  enum class start_outcome { answering, exited, silent };
  /// Starts NSD on `port` and waits until it answers, it exits (a port
  /// taken meanwhile, a bad config) or the time is up.
  start_outcome start(std::uint16_t port, std::chrono::milliseconds ready_timeout);

  agora_test::scratch_dir dir_;
  std::vector<nsd_zone> zones_;
  std::string address_;
  std::uint16_t port_ = 0;
  std::optional<agora_apps::child_process> process_;
};

}  // namespace dns_process
