#include "dns_peers.hpp"

#include <fmt/format.h>

namespace agora_bench {

dns_programs dns_programs::find() {
  using agora_apps::find_program;
  return {find_program("nsd"), find_program("unbound"), find_program("dnsmasq"), find_program("dnsperf")};
}

std::unique_ptr<dns_daemon> start_nsd(const dns_files& files, const std::string& nsd, std::uint16_t port) {
  // No database, no chroot, no user change, no remote control: NSD 4.6
  // serves the zone file straight from zonesdir.
  const auto conf = files.write("nsd.conf", fmt::format(R"(server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    server-count: 1
    verbosity: 0
    username: ""
    chroot: ""
    database: ""
    zonesdir: "{dir}"
    zonelistfile: "{dir}/zone.list"
    xfrdfile: "{dir}/xfrd.state"
    xfrdir: "{dir}"
    pidfile: "{dir}/nsd.pid"
remote-control:
    control-enable: no
zone:
    name: "{zone}"
    zonefile: "{zonefile}"
)",
                                                        fmt::arg("port", port), fmt::arg("dir", files.dir().string()),
                                                        fmt::arg("zone", dns_zone_name),
                                                        fmt::arg("zonefile", files.zone_file().filename().string())));
  return std::make_unique<dns_daemon>("nsd", std::vector<std::string>{nsd, "-d", "-c", conf.string()},
                                      files.file("nsd.log"), port);
}

std::unique_ptr<dns_daemon> start_agora_dns(const dns_files& files, const std::string& agora_dns, std::uint16_t port,
                                            std::uint16_t upstream_port) {
  return std::make_unique<dns_daemon>(
      "agora-dns",
      std::vector<std::string>{agora_dns, "--host", "127.0.0.1", "--port", std::to_string(port), "--upstream",
                               "127.0.0.1:" + std::to_string(upstream_port)},
      files.file("agora-dns.log"), port);
}

std::unique_ptr<dns_daemon> start_unbound(const dns_files& files, const std::string& unbound, std::uint16_t port,
                                          std::uint16_t upstream_port) {
  // do-not-query-localhost: no — by default unbound refuses to forward to
  // 127.0.0.0/8. Caches as large as the zone; so-rcvbuf as agora-dns's.
  const auto conf = files.write("unbound.conf", fmt::format(R"(server:
    interface: 127.0.0.1@{port}
    port: {port}
    do-ip6: no
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    num-threads: 1
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: "iterator"
    msg-cache-size: 64m
    rrset-cache-size: 128m
    so-rcvbuf: 4m
    qname-minimisation: no
    local-zone: "{zone}" nodefault
    domain-insecure: "{zone}"
remote-control:
    control-enable: no
forward-zone:
    name: "{zone}"
    forward-addr: 127.0.0.1@{upstream}
)",
                                                            fmt::arg("port", port), fmt::arg("upstream", upstream_port),
                                                            fmt::arg("dir", files.dir().string()),
                                                            fmt::arg("zone", dns_zone_name)));
  return std::make_unique<dns_daemon>("unbound", std::vector<std::string>{unbound, "-d", "-c", conf.string()},
                                      files.file("unbound.log"), port);
}

std::unique_ptr<dns_daemon> start_dnsmasq(const dns_files& files, const std::string& dnsmasq, std::uint16_t port,
                                          std::uint16_t upstream_port) {
  // No config file, no /etc/resolv.conf, no /etc/hosts: only the upstream.
  // --dns-forward-max 1000: dnsperf keeps 500 queries outstanding.
  return std::make_unique<dns_daemon>(
      "dnsmasq",
      std::vector<std::string>{dnsmasq, "-k", "--conf-file=/dev/null", "--log-facility=-", "--listen-address=127.0.0.1",
                               "--port=" + std::to_string(port), "--bind-interfaces", "--no-resolv", "--no-hosts",
                               "--no-poll", "--server=127.0.0.1#" + std::to_string(upstream_port),
                               "--cache-size=10000", "--dns-forward-max=1000",
                               "--pid-file=" + files.file("dnsmasq.pid").string()},
      files.file("dnsmasq.log"), port);
}

std::unique_ptr<dns_daemon> start_udp_floor(const dns_files& files, const std::string& floor, std::uint16_t port) {
  return std::make_unique<dns_daemon>("agora-udp-floor",
                                      std::vector<std::string>{floor, "--port", std::to_string(port)},
                                      files.file("udp-floor.log"), port);
}

}  // namespace agora_bench
