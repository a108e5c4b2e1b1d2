// dns: agora-dns against unbound and dnsmasq (issue 13), all three
// forwarders to the same nsd upstream serving a generated zone
// (dns_files.hpp), in the same run, measured with dnsperf:
//   cached_qps               dnsperf -l N over 100,000 queries for 1,000 hot
//                            names (TTL 3600), the cache warmed with each
//                            of them just before
//   cached_loss_pct          the queries of that run left unanswered
//   miss_qps, miss_loss_pct  dnsperf -l N over names with TTL 0: every
//                            query goes upstream
//   cpu_per_100k_cached_s    the daemon's own CPU time (utime + stime of
//                            its process, /proc/PID/stat) per 100,000
//                            cached answers, at one offered rate for all
//                            three (dnsperf -Q): 60 % of the lowest median
//                            cached QPS, so that none of them is saturated
//   (the same with the prefixes unbound_ and dnsmasq_)
//   cpu_ratio_vs_unbound, cpu_ratio_vs_dnsmasq   agora's CPU per answer /
//                            theirs (target ≤ 0.8)
//   cached_qps_ratio_vs_unbound                  (target ≥ 1)
//   nsd_qps                  dnsperf straight at nsd over the hot queries:
//                            the load generator's ceiling on this machine
//   cpu_offered_qps, load_average (the mean 1-minute load over the rounds)
//   floor_cpu_per_100k_cached_s   the same CPU figure for agora-udp-floor
//                            (bench/udp_floor.cpp), which answers with no
//                            work of its own: the kernel's share of every
//                            answer here, which no server can go below
//   floor_cpu_ratio_vs_unbound, floor_cpu_ratio_vs_dnsmasq   the least
//                            cpu_ratio_vs_* any server could have here
// Rounds interleave the three (agora-dns, unbound, dnsmasq, agora-dns, ...;
// --reps rounds, 3 by default here; medians reported). The daemons run on
// CPU 0 and dnsperf (one thread, 8 clients, 500 queries outstanding) on
// CPU 1 when there are two CPUs. Each daemon must first give the zone's
// address for a hot and a cold name, or nothing is reported for it. A
// missing unbound or dnsmasq is skipped, saying so; without nsd or dnsperf
// the whole benchmark is (scripts/bootstrap.sh --bench installs them).
// --quick: 1 s runs, one round.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "report.hpp"
#ifdef AGORA_DNS_BIN
#include "cpu_pin.hpp"
#include "dns_peers.hpp"
#include "dns_probe.hpp"
#include "dnsperf_run.hpp"
#include "loopback_port.hpp"
#endif

namespace agora_bench {

#ifdef AGORA_DNS_BIN
namespace {

using namespace std::chrono_literals;

struct peer {
  peer(std::string metric_prefix, std::unique_ptr<dns_daemon> d) : prefix(std::move(metric_prefix)), daemon(std::move(d)) {}
  std::string prefix;  // of its metrics: "" (agora-dns), "unbound_", "dnsmasq_"
  std::unique_ptr<dns_daemon> daemon;
  std::vector<double> cached_qps, cached_loss, miss_qps, miss_loss, cpu_per_100k;
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  return in >> one ? one : NAN;
}

/// Does `d` give the zone's addresses for a hot and a cold name? nullopt,
/// or what it got wrong.
std::optional<std::string> answers_wrongly(const dns_daemon& d, std::chrono::milliseconds patience) {
  if (auto p = wait_for_address(d.port(), dns_zone_host(0), dns_zone_address(0), patience))
    return dns_zone_host(0) + ": " + *p;
  const int last = dns_zone_names - 1;
  if (auto p = wait_for_address(d.port(), dns_zone_host(last, true), dns_zone_address(last, true), 2s))
    return dns_zone_host(last, true) + ": " + *p;
  return std::nullopt;
}

/// One pass over the hot names, so the measured run finds them cached.
void warm(const std::string& dnsperf, const dns_files& files, const dns_daemon& d) {
  run_dnsperf(dnsperf, {.port = d.port(), .queries = files.hot_names(), .seconds = 60, .max_runs = 1,
                        .outstanding = 100});
}

/// The CPU seconds `d` uses per 100,000 hot queries answered, with dnsperf
/// offering `rate` q/s for `seconds` (round `r`, for the note).
double cpu_per_100k(const std::string& dnsperf, const dns_files& files, const dns_daemon& d, double rate,
                    double seconds, int r) {
  const double before = d.cpu_seconds();
  const auto run =
      run_dnsperf(dnsperf, {.port = d.port(), .queries = files.hot_queries(), .seconds = seconds, .max_qps = rate});
  const double cpu = d.cpu_seconds() - before;
  const double per_100k = run.completed > 0 ? cpu / run.completed * 1e5 : NAN;
  note("dns: round {} {} at {:.0f} q/s offered: {:.0f} answered, {:.2f} CPU s, {:.3f} CPU s per 100k (loss {:.2f} %)",
       r + 1, d.name(), rate, run.completed, cpu, per_100k, run.loss_pct());
  if (run.loss_pct() > 0.1) note("dns: {} lost queries at the offered rate: its CPU figure is at saturation", d.name());
  return per_100k;
}

void emit_peer(const peer& p) {
  emit("dns", p.prefix + "cached_qps", median(p.cached_qps), "q/s");
  emit("dns", p.prefix + "cached_loss_pct", median(p.cached_loss), "%");
  emit("dns", p.prefix + "miss_qps", median(p.miss_qps), "q/s");
  emit("dns", p.prefix + "miss_loss_pct", median(p.miss_loss), "%");
  emit("dns", p.prefix + "cpu_per_100k_cached_s", median(p.cpu_per_100k), "s");
}

}  // namespace

void bench_dns(const options& opt) {
  const auto programs = dns_programs::find();
  if (programs.nsd.empty() || programs.dnsperf.empty()) {
    note("dns: skipped, no figures: {} not installed (scripts/bootstrap.sh --bench installs it)",
         programs.nsd.empty() ? "nsd is" : "dnsperf is");
    return;
  }
  const int rounds = opt.quick ? 1 : (opt.reps_given ? opt.reps : 3);
  const double seconds = opt.quick ? 1 : 8;
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = cpus >= 2;
  const unpin_at_exit restore_affinity(pin, cpus);

  // Declared first, removed last: the daemons' configurations and logs are in it.
  const dns_files files;
  if (pin) pin_to_cpu(0);  // inherited by every daemon
  const auto nsd = start_nsd(files, programs.nsd, free_loopback_port());
  if (auto p = wait_for_address(nsd->port(), dns_zone_host(0), dns_zone_address(0), 60s))
    throw std::runtime_error("nsd does not serve the zone (" + *p + ");" + nsd->log_tail());

  std::vector<peer> peers;
  peers.emplace_back("", start_agora_dns(files, AGORA_DNS_BIN, free_loopback_port(), nsd->port()));
  if (programs.unbound.empty()) note("dns: unbound is not installed: no unbound figures, no ratios to it");
  else peers.emplace_back("unbound_", start_unbound(files, programs.unbound, free_loopback_port(), nsd->port()));
  if (programs.dnsmasq.empty()) note("dns: dnsmasq is not installed (dnsmasq-base): no dnsmasq figures, no ratios to it");
  else peers.emplace_back("dnsmasq_", start_dnsmasq(files, programs.dnsmasq, free_loopback_port(), nsd->port()));
  std::erase_if(peers, [](const peer& p) {
    const auto wrong = answers_wrongly(*p.daemon, 20s);
    if (wrong) note("dns: {} answers wrongly, nothing measured of it: {};{}", p.daemon->name(), *wrong, p.daemon->log_tail());
    return wrong.has_value();
  });
  if (peers.empty()) throw std::runtime_error("no forwarder answered right");
  auto floor = start_udp_floor(files, AGORA_UDP_FLOOR_BIN, free_loopback_port());
  if (auto p = wait_for_reply(floor->port(), dns_zone_host(0), 10s)) {
    note("dns: agora-udp-floor does not reply, no floor figures: {};{}", *p, floor->log_tail());
    floor.reset();
  }
  std::vector<double> floor_cpu;
  if (pin) pin_to_cpu(1);  // dnsperf
  note("dns: nsd on port {}; {}; {} round(s) of {:g} s runs; daemons {}", nsd->port(),
       [&] {
         std::string s;
         for (const auto& p : peers) s += fmt::format("{}{} on port {}", s.empty() ? "" : ", ", p.daemon->name(), p.daemon->port());
         return s;
       }(),
       rounds, seconds, pin ? "on CPU 0, dnsperf on CPU 1" : "and dnsperf unpinned (one CPU)");

  std::vector<double> loads, nsd_qps;
  for (int r = 0; r < rounds; ++r) {
    nsd_qps.push_back(run_dnsperf(programs.dnsperf, {.port = nsd->port(), .queries = files.hot_queries(), .seconds = seconds}).qps);
    for (auto& p : peers) {
      warm(programs.dnsperf, files, *p.daemon);
      const auto cached = run_dnsperf(programs.dnsperf, {.port = p.daemon->port(), .queries = files.hot_queries(), .seconds = seconds});
      const auto miss = run_dnsperf(programs.dnsperf, {.port = p.daemon->port(), .queries = files.cold_queries(), .seconds = seconds});
      p.cached_qps.push_back(cached.qps);
      p.cached_loss.push_back(cached.loss_pct());
      p.miss_qps.push_back(miss.qps);
      p.miss_loss.push_back(miss.loss_pct());
      note("dns: round {} {}: cached {:.0f} q/s (loss {:.2f} %, NOERROR {:.1f} %), miss {:.0f} q/s (loss {:.2f} %, "
           "NOERROR {:.1f} %)",
           r + 1, p.daemon->name(), cached.qps, cached.loss_pct(), cached.noerror_pct(), miss.qps, miss.loss_pct(),
           miss.noerror_pct());
    }
    loads.push_back(load_average());
    note("dns: round {}: nsd direct {:.0f} q/s; load average {:.2f}", r + 1, nsd_qps.back(), loads.back());
  }

  // CPU per answer at one offered rate that none of them saturates.
  double lowest = INFINITY;
  for (const auto& p : peers) lowest = std::min(lowest, median(p.cached_qps));
  const double rate = std::max(1000.0, 0.6 * lowest);
  for (int r = 0; r < rounds; ++r) {
    for (auto& p : peers) {
      warm(programs.dnsperf, files, *p.daemon);
      p.cpu_per_100k.push_back(cpu_per_100k(programs.dnsperf, files, *p.daemon, rate, seconds, r));
    }
    if (floor) floor_cpu.push_back(cpu_per_100k(programs.dnsperf, files, *floor, rate, seconds, r));
    loads.push_back(load_average());
  }

  // Still answering right after all that? A daemon that is not reports nothing.
  std::erase_if(peers, [](const peer& p) {
    const auto wrong = answers_wrongly(*p.daemon, 5s);
    if (wrong) note("dns: {} answers wrongly after the runs, its figures dropped: {};{}", p.daemon->name(), *wrong, p.daemon->log_tail());
    return wrong.has_value();
  });

  const peer* ours = nullptr;
  for (const auto& p : peers) {
    emit_peer(p);
    if (p.prefix.empty()) ours = &p;
  }
  for (const auto& p : peers) {
    if (!ours || &p == ours) continue;
    const std::string them = p.prefix.substr(0, p.prefix.size() - 1);
    emit("dns", "cpu_ratio_vs_" + them, median(ours->cpu_per_100k) / median(p.cpu_per_100k), "ratio");
    if (them == "unbound") emit("dns", "cached_qps_ratio_vs_unbound", median(ours->cached_qps) / median(p.cached_qps), "ratio");
  }
  if (!floor_cpu.empty()) {
    emit("dns", "floor_cpu_per_100k_cached_s", median(floor_cpu), "s");
    for (const auto& p : peers)
      if (!p.prefix.empty())
        emit("dns", "floor_cpu_ratio_vs_" + p.prefix.substr(0, p.prefix.size() - 1),
             median(floor_cpu) / median(p.cpu_per_100k), "ratio");
  }
  emit("dns", "nsd_qps", median(nsd_qps), "q/s");
  emit("dns", "cpu_offered_qps", rate, "q/s");
  double sum = 0;
  for (double l : loads) sum += l;
  emit("dns", "load_average", sum / static_cast<double>(loads.size()), "load");
}
#else
void bench_dns(const options&) {
  note("dns: agora-dns was not built (AGORA_BUILD_APPS=OFF): no figures");
}
#endif

}  // namespace agora_bench
