// jobs: how the time of a CPU-bound job falls with the number of nodes
// (issue 12; the DAS design asks for a speedup of at least 0.7·N).
//
// For N = 1..5: N agora-node members on 127.0.0.1 (--cluster-size N), each
// in a cgroup of its own with the same CPU quota — the machine's cores / 5,
// so that five nodes fit the machine (2 cores: 0.4 CPU each) — and
// --slots = ceil(quota), one part at a time per whole-or-partial CPU (0.4
// CPU: one; two parts would only share the same 0.4 CPU). The same job is
// submitted to each: 60 × slots parts (60 divides evenly by 1..5, so every
// N gets equal shares) of a pure-Python CPU loop sized to take about 1.5 s
// per part at the quota. Timed: `agora-node submit`, from its start to its
// exit, every part accepted; the members are up and have a leader before.
//   time_n1_s .. time_n5_s     the wall times (N = 1 is the baseline, same run)
//   speedup_n2 .. speedup_n5   time_n1_s / time_nN_s      (design: >= 0.7·N)
//   efficiency_min             the smallest speedup_nN / N (target: >= 0.9)
//   quota_cpus, part_cpu_s, load_average (the mean of the 1-minute load
//   average at the end of each N)
// Every part's result must come exactly once, from the part it belongs to,
// with the same checksum: otherwise the benchmark fails and reports nothing.
// Skipped, saying so, without cgroups (not root, no cpu controller) or
// without python3. --quick: N = 1 and 2, 4 short parts per slot.
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "cpu_cgroups.hpp"
#include "figure_lines.hpp"
#include "report.hpp"
#include "secret_file.hpp"

namespace agora_bench {

#ifdef AGORA_NODE_BIN
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using agora_apps::child_process;
using bench_ms = std::chrono::milliseconds;

constexpr int max_nodes = 5;

// The job. Without AGORA_PART (run by the bench itself) it measures the
// CPU time of `--calibrate N` loop steps.
constexpr const char* job_script = R"(import os, sys, time

def work(n):
    s = 0
    for i in range(n):
        s = (s * 31 + i) % 1000003
    return s

if sys.argv[1] == "--calibrate":
    t = time.process_time()
    work(int(sys.argv[2]))
    print(time.process_time() - t)
else:
    print(os.environ["AGORA_PART"], work(int(sys.argv[1])))
)";

/// The bench's files: the secret, the script, the nodes' scratch
/// directories and the submit's stderr; removed afterwards.
class workdir {
 public:
  workdir() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("agora-bench-jobs-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directory(dir_);
    std::ofstream(script()) << job_script;
  }
  workdir(const workdir&) = delete;
  workdir& operator=(const workdir&) = delete;
  ~workdir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path script() const { return dir_ / "work.py"; }
  fs::path submit_log() const { return dir_ / "submit.stderr"; }
  fs::path scratch(int id) const {
    auto p = dir_ / ("scratch-" + std::to_string(id));
    fs::create_directories(p);
    return p;
  }

 private:
  fs::path dir_;
};

/// The python3 the nodes may run: Debian's, else the first in PATH.
std::string find_python() {
  if (auto p = agora_apps::find_program("/usr/bin/python3"); !p.empty()) return p;
  return agora_apps::find_program("python3");
}

/// CPU seconds per loop step of the job, unconfined (the best of three).
double seconds_per_step(const std::string& python, const workdir& dir) {
  constexpr long steps = 2'000'000;
  double best = INFINITY;
  for (int i = 0; i < 3; ++i) {
    child_process p({python, dir.script().string(), "--calibrate", std::to_string(steps)});
    auto line = p.line(60s);
    if (!line || p.wait_exit(10s) != 0) throw std::runtime_error("python3 could not run the job's calibration");
    best = std::min(best, std::stod(*line));
  }
  return best / steps;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  return in >> one ? one : "0";
}

/// One agora-node member, in its cgroup; its output drained (a full pipe
/// would stall it), the last lines kept to explain a failure.
class member {
 public:
  member(int id, int cluster_size, int slots, const std::string& python, const std::string& seed,
         const secret_file& secret, const workdir& dir, const cpu_cgroups& groups)
      : id_(id), child_(args(id, cluster_size, slots, python, seed, secret, dir)) {
    groups.place(id - 1, child_.pid());  // before it runs any part: they inherit the group
    const auto rest = expect_line(child_, "agora-node " + std::to_string(id),
                                  "agora-node " + std::to_string(id) + " listening on ", 30s);
    address_ = rest.substr(0, rest.find(' '));
  }

  const std::string& address() const noexcept { return address_; }

  /// Waits for its first "leader: node L (epoch E)" line; L.
  int wait_leader(bench_ms timeout) {
    const auto deadline = bench_clock::now() + timeout;
    while (leader_ == 0) {
      const auto left = std::chrono::duration_cast<bench_ms>(deadline - bench_clock::now());
      auto line = left > 0ms ? child_.line(left) : std::nullopt;
      if (!line) throw std::runtime_error(what("saw no leader in time"));
      keep(*line);
    }
    return leader_;
  }

  /// Reads what it printed so far; throws if it has ended.
  void drain() {
    while (auto line = child_.line(0ms)) keep(*line);
    if (!child_.stdout_open()) throw std::runtime_error(what("ended"));
  }

  std::string what(const std::string& happened) const {
    std::string s = "agora-node " + std::to_string(id_) + " " + happened + "; its last lines:";
    for (const auto& l : last_) s += "\n  " + l;
    return s;
  }

 private:
  static std::vector<std::string> args(int id, int cluster_size, int slots, const std::string& python,
                                       const std::string& seed, const secret_file& secret, const workdir& dir) {
    std::vector<std::string> a{AGORA_NODE_BIN,
                               "--id",
                               std::to_string(id),
                               "--listen",
                               "127.0.0.1:0",
                               "--secret-file",
                               secret.path(),
                               "--cluster-size",
                               std::to_string(cluster_size),
                               "--slots",
                               std::to_string(slots),
                               "--scratch",
                               dir.scratch(id).string(),
                               "--allow-interpreter",
                               "python3=" + python};
    if (!seed.empty()) a.insert(a.end(), {"--seed", seed});
    return a;
  }

  void keep(const std::string& line) {
    if (leader_ == 0)
      if (const auto at = line.find(": info: leader: node "); at != std::string::npos)
        leader_ = std::atoi(line.c_str() + at + std::strlen(": info: leader: node "));
    last_.push_back(line);
    if (last_.size() > 12) last_.pop_front();
  }

  int id_;
  child_process child_;
  std::string address_;
  int leader_ = 0;
  std::deque<std::string> last_;
};

struct job_size {
  int parts = 60;
  int slots = 1;
  long steps = 0;          // loop steps per part
  double part_cpu_s = 0;   // CPU seconds per part, as calibrated
  double expected_s = 0;   // wall time of the whole job on one node
};

struct run_result {
  double seconds = 0;
  std::map<int, int> parts_per_node;
  int retries = 0;
  std::vector<cpu_cgroups::usage> usage;
  std::string load;
};

/// The last lines of the submit's stderr, for a failure report.
std::string tail_of(const fs::path& p) {
  std::ifstream in(p);
  std::deque<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    lines.push_back(l);
    if (lines.size() > 8) lines.pop_front();
  }
  std::string s;
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

/// Checks the submit's JSON lines: every part exactly once, its own
/// result, one checksum for all. Throws otherwise.
void check_results(const std::vector<std::string>& lines, const job_size& job, run_result& r) {
  std::vector<int> seen(static_cast<std::size_t>(job.parts), 0);
  std::string checksum;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("part") || !j.contains("result"))
      throw std::runtime_error("submit printed a line that is not a part's result: " + line);
    const int part = j["part"].get<int>();
    if (part < 0 || part >= job.parts) throw std::runtime_error("submit printed part " + std::to_string(part));
    if (++seen[static_cast<std::size_t>(part)] > 1)
      throw std::runtime_error("part " + std::to_string(part) + " printed twice");
    std::istringstream result(j["result"].get<std::string>());
    int said_part = -1;
    std::string sum;
    if (!(result >> said_part >> sum) || said_part != part)
      throw std::runtime_error("part " + std::to_string(part) + " has a wrong result: " + line);
    if (checksum.empty()) checksum = sum;
    if (sum != checksum) throw std::runtime_error("part " + std::to_string(part) + " computed something else: " + line);
    ++r.parts_per_node[j.value("node", 0)];
    r.retries += std::max(0, j.value("attempt", 1) - 1);
  }
  for (int p = 0; p < job.parts; ++p)
    if (seen[static_cast<std::size_t>(p)] == 0)
      throw std::runtime_error("part " + std::to_string(p) + " never came (lost): no figures");
}

/// One cluster of n members, the job submitted once and timed.
run_result run_cluster(int n, const job_size& job, double quota, const std::string& python, const workdir& dir) {
  std::string why;
  const auto groups = cpu_cgroups::make(n, quota, why);  // outlives the members: removed after they are killed
  if (!groups) throw std::runtime_error("cannot make the cgroups: " + why);
  const secret_file secret;
  std::vector<std::unique_ptr<member>> members;
  for (int id = 1; id <= n; ++id)
    members.push_back(std::make_unique<member>(id, n, job.slots, python, id == 1 ? "" : members[0]->address(),
                                               secret, dir, *groups));
  int leader = 0;
  for (auto& m : members) leader = m->wait_leader(30s);
  // Untimed: a moment for every member's worker to be known to the leader
  // (they assert job_worker as they join), draining their output meanwhile.
  for (const auto until = bench_clock::now() + 1s; bench_clock::now() < until;) {
    for (auto& m : members) m->drain();
    std::this_thread::sleep_for(50ms);
  }

  fs::remove(dir.submit_log());
  const auto timeout_s = std::max(60.0, 20 * job.part_cpu_s / std::min(1.0, quota / job.slots));
  // The submit's progress lines (stderr) go to a file, not among the notes.
  const std::vector<std::string> argv{"/bin/sh",
                                      "-c",
                                      "exec \"$0\" \"$@\" 2>\"$AGORA_BENCH_SUBMIT_LOG\"",
                                      AGORA_NODE_BIN,
                                      "submit",
                                      "--connect",
                                      members[0]->address(),
                                      "--secret-file",
                                      secret.path(),
                                      "--parts",
                                      std::to_string(job.parts),
                                      "--interpreter",
                                      "python3",
                                      "--timeout",
                                      std::to_string(static_cast<long>(timeout_s)),
                                      "--wait",
                                      "30",
                                      dir.script().string(),
                                      "--",
                                      std::to_string(job.steps)};
  const auto deadline = bench_clock::now() + std::chrono::seconds(static_cast<long>(60 + 5 * job.expected_s / n));
  const auto t0 = bench_clock::now();
  child_process submit(argv, {.env = {"AGORA_BENCH_SUBMIT_LOG=" + dir.submit_log().string()}});
  std::vector<std::string> lines;
  while (submit.stdout_open()) {
    if (auto line = submit.line(100ms)) lines.push_back(std::move(*line));
    for (auto& m : members) m->drain();
    if (bench_clock::now() > deadline)
      throw std::runtime_error("the job on " + std::to_string(n) + " nodes did not end in time; submit's stderr:" +
                               tail_of(dir.submit_log()));
  }
  const auto code = submit.wait_exit(30s);
  run_result r;
  r.seconds = seconds_since(t0);
  r.load = load_average();
  if (code != 0)
    throw std::runtime_error("submit on " + std::to_string(n) + " nodes exited with " +
                             (code ? std::to_string(*code) : std::string("nothing (still running)")) +
                             "; its stderr:" + tail_of(dir.submit_log()));
  check_results(lines, job, r);
  for (int i = 0; i < n; ++i) r.usage.push_back(groups->stat(i));
  note("jobs: n={} ({}; leader node {}): {:.2f} s, load average {}", n, groups->describe(), leader, r.seconds, r.load);
  return r;
}

std::string distribution(const run_result& r) {
  std::string s;
  for (const auto& [node, count] : r.parts_per_node) s += fmt::format("{}node {}: {}", s.empty() ? "" : ", ", node, count);
  return s;
}

}  // namespace

void bench_jobs(const options& opt) {
  const int cores = usable_cpus();
  const double quota = static_cast<double>(cores) / max_nodes;
  {
    std::string why;
    if (!cpu_cgroups::make(max_nodes, quota, why)) {
      note("jobs: skipped, no figures: {}", why);
      return;
    }
  }
  const std::string python = find_python();
  if (python.empty()) {
    note("jobs: skipped, no figures: python3 is not installed (scripts/bootstrap.sh --bench installs it)");
    return;
  }
  const workdir dir;
  job_size job;
  job.slots = std::max(1, static_cast<int>(std::ceil(quota - 1e-9)));
  const double cpu_per_part = std::min(1.0, quota / job.slots);  // a part is one thread: at most one CPU
  const double part_wall_s = opt.quick ? 0.25 : 1.5;
  job.parts = (opt.quick ? 4 : 60) * job.slots;
  const double step_s = seconds_per_step(python, dir);
  job.part_cpu_s = part_wall_s * cpu_per_part;
  job.steps = std::max(1L, std::lround(job.part_cpu_s / step_s));
  job.expected_s = job.parts * part_wall_s / job.slots;
  const int top = opt.quick ? 2 : max_nodes;
  note("jobs: {} CPUs, quota {:.2f} CPU per node, --slots {}, {} parts of {} loop steps ({:.2f} CPU s, ~{:.1f} s "
       "at the quota); N = 1 alone should take ~{:.0f} s",
       cores, quota, job.slots, job.parts, job.steps, job.part_cpu_s, part_wall_s, job.expected_s);

  std::vector<run_result> runs;
  for (int n = 1; n <= top; ++n) {
    runs.push_back(run_cluster(n, job, quota, python, dir));
    const auto& r = runs.back();
    std::string throttled;
    for (const auto& u : r.usage)
      throttled += fmt::format("{}{}/{} ({:.1f} s)", throttled.empty() ? "" : ", ", u.throttled, u.periods, u.throttled_s);
    note("jobs: n={}: parts per node: {}; retries {}; throttled periods per group: {}", n, distribution(r), r.retries,
         throttled);
  }

  // Only now, every run checked: a run that lost a part has thrown above.
  double efficiency_min = INFINITY, load_sum = 0;
  for (int n = 1; n <= top; ++n) emit("jobs", fmt::format("time_n{}_s", n), runs[static_cast<std::size_t>(n - 1)].seconds, "s");
  for (int n = 2; n <= top; ++n) {
    const double speedup = runs[0].seconds / runs[static_cast<std::size_t>(n - 1)].seconds;
    emit("jobs", fmt::format("speedup_n{}", n), speedup, "x");
    efficiency_min = std::min(efficiency_min, speedup / n);
  }
  emit("jobs", "efficiency_min", efficiency_min, "ratio");
  for (const auto& r : runs) load_sum += std::stod(r.load);
  emit("jobs", "quota_cpus", quota, "cpu");
  emit("jobs", "part_cpu_s", job.part_cpu_s, "s");
  emit("jobs", "load_average", load_sum / static_cast<double>(runs.size()), "load");
  note("jobs: efficiency_min {:.3f} (design: >= 0.7, target: >= 0.9)", efficiency_min);
}
#else
void bench_jobs(const options&) {
  note("jobs: agora-node was not built (AGORA_BUILD_APPS=OFF): no figures");
}
#endif

}  // namespace agora_bench
