#include "dnsperf_run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "child_process.hpp"

namespace agora_bench {

namespace {

/// The first number after "key:" in `line`, if the line is that key's.
bool number_after(const std::string& line, const std::string& key, double& out) {
  const auto at = line.find(key + ":");
  if (at == std::string::npos) return false;
  std::istringstream in(line.substr(at + key.size() + 1));
  return static_cast<bool>(in >> out);
}

/// "Response codes: NOERROR 99990 (99.99%), SERVFAIL 10 (0.01%)": the NOERROR count.
double noerror_count(const std::string& line) {
  const auto at = line.find("NOERROR ");
  if (at == std::string::npos) return 0;
  std::istringstream in(line.substr(at + 8));
  double n = 0;
  return in >> n ? n : 0;
}

}  // namespace

std::optional<dnsperf_result> parse_dnsperf_summary(const std::vector<std::string>& lines) {
  dnsperf_result r;
  bool summary = false;
  for (const auto& line : lines) {
    summary = number_after(line, "Queries per second", r.qps) || summary;
    number_after(line, "Queries sent", r.sent);
    number_after(line, "Queries completed", r.completed);
    number_after(line, "Queries lost", r.lost);
    if (line.find("Response codes:") != std::string::npos) r.noerror = noerror_count(line);
  }
  if (!summary) return std::nullopt;
  return r;
}

dnsperf_result run_dnsperf(const std::string& dnsperf, const dnsperf_load& load) {
  std::vector<std::string> argv{dnsperf, "-s", "127.0.0.1", "-p", std::to_string(load.port), "-d",
                                load.queries.string(), "-c", std::to_string(load.clients), "-q",
                                std::to_string(load.outstanding), "-T", "1", "-t", std::to_string(load.timeout_s),
                                "-l", fmt::format("{:g}", load.seconds)};
  if (load.max_runs > 0) argv.insert(argv.end(), {"-n", std::to_string(load.max_runs)});
  if (load.max_qps > 0) argv.insert(argv.end(), {"-Q", fmt::format("{:.0f}", load.max_qps)});
  agora_apps::spawn_options merged;
  merged.stderr_to_stdout = true;  // its warnings are kept for a failure report, not printed
  agora_apps::child_process p(argv, merged);
  const auto limit = std::chrono::milliseconds(static_cast<long>(1000 * (load.seconds + load.timeout_s + 30)));
  const auto deadline = std::chrono::steady_clock::now() + limit;
  // The summary is the last ~20 lines; before it, a warning per lost
  // query at most: only the last 200 lines are kept.
  std::vector<std::string> lines;
  while (p.stdout_open() && std::chrono::steady_clock::now() < deadline)
    if (auto line = p.line(std::chrono::milliseconds(500))) {
      if (lines.size() == 400) lines.erase(lines.begin(), lines.begin() + 200);
      lines.push_back(std::move(*line));
    }
  const auto code = p.wait_exit(std::chrono::seconds(5));
  const auto summary = parse_dnsperf_summary(lines);
  if (code != 0 || !summary) {
    std::string why = fmt::format("dnsperf against port {} {}", load.port,
                                  code ? fmt::format("exited with {}", *code) : std::string("did not end in time"));
    for (auto i = lines.size() > 6 ? lines.size() - 6 : 0; i < lines.size(); ++i) why += "\n  " + lines[i];
    throw std::runtime_error(why);
  }
  return *summary;
}

}  // namespace agora_bench
