// The daemons of the dns benchmark, each started on its own port with a
// configuration written into the bench's directory: nsd, the authoritative
// upstream serving the generated zone, and the three forwarders to it —
// agora-dns, unbound (one thread) and dnsmasq. The settings follow the
// recipe described in docs/BENCHMARKS.md, "Issue 13".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dns_daemon.hpp"
#include "dns_files.hpp"

namespace agora_bench {

/// Paths of the programs (empty: not installed).
struct dns_programs {
  std::string nsd, unbound, dnsmasq, dnsperf;
  static dns_programs find();
};

std::unique_ptr<dns_daemon> start_nsd(const dns_files& files, const std::string& nsd, std::uint16_t port);
std::unique_ptr<dns_daemon> start_agora_dns(const dns_files& files, const std::string& agora_dns, std::uint16_t port,
                                            std::uint16_t upstream_port);
std::unique_ptr<dns_daemon> start_unbound(const dns_files& files, const std::string& unbound, std::uint16_t port,
                                          std::uint16_t upstream_port);
std::unique_ptr<dns_daemon> start_dnsmasq(const dns_files& files, const std::string& dnsmasq, std::uint16_t port,
                                          std::uint16_t upstream_port);
/// agora-udp-floor (bench/udp_floor.cpp): answers at no cost of its own.
std::unique_ptr<dns_daemon> start_udp_floor(const dns_files& files, const std::string& floor, std::uint16_t port);

}  // namespace agora_bench
