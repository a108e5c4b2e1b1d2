// dnsperf (Debian's dnsperf 2.x) as a child process, and what its
// summary says: queries sent, completed, lost, NOERROR replies, QPS.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agora_bench {

struct dnsperf_load {
  std::uint16_t port = 0;             // on 127.0.0.1
  std::filesystem::path queries;      // "name TYPE" per line, looped
  double seconds = 1;                 // -l
  int max_runs = 0;                   // -n: passes over the file (0: as many as fit in `seconds`)
  double max_qps = 0;                 // -Q: the offered rate (0: as fast as it can)
  int clients = 8;                    // -c
  int outstanding = 500;              // -q
  int timeout_s = 2;                  // -t: a query unanswered this long is lost
};

struct dnsperf_result {
  double sent = 0, completed = 0, lost = 0, noerror = 0;
  double qps = 0;  // completed per second, as dnsperf reports it
  double loss_pct() const { return sent > 0 ? 100 * lost / sent : 0; }
  double noerror_pct() const { return completed > 0 ? 100 * noerror / completed : 0; }
};

/// What dnsperf's summary lines say; nullopt if they hold no "Queries
/// per second" (no summary: it failed).
std::optional<dnsperf_result> parse_dnsperf_summary(const std::vector<std::string>& lines);

/// Runs `dnsperf` (its path) with `load` on one thread (-T 1) and reads
/// its summary. Throws with dnsperf's last lines if it fails or prints no
/// summary.
dnsperf_result run_dnsperf(const std::string& dnsperf, const dnsperf_load& load);

}  // namespace agora_bench
