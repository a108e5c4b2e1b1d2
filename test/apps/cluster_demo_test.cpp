// agora-cluster-demo (the README's main demo) as a child process: it exits
// 0, every part of its job appears exactly once with the right result, the
// killed leader's part ran again elsewhere, a new leader was announced —
// and on SIGTERM midway it exits 1 leaving no node behind. Either way no
// process that names its scratch directory is left, nor the directory.
#ifdef AGORA_CLUSTER_DEMO_BIN
#include <doctest/doctest.h>
#include <dirent.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
using agora_apps::child_process;

struct demo_run {
  std::vector<std::string> lines;
  std::optional<int> code;
  std::string transcript() const {
    std::string s;
    for (const auto& l : lines) s += "  " + l + "\n";
    return s;
  }
  /// The first line that matches `re`, if any.
  std::optional<std::smatch> find(const std::regex& re) const {
    for (const auto& l : lines) {
      std::smatch m;
      if (std::regex_search(l, m, re)) return m;
    }
    return std::nullopt;
  }
};

/// Runs the demo (stdout and stderr), at most `timeout`; `until`: stops
/// reading (and sends SIGTERM) at the first line that contains it.
demo_run run_demo(std::chrono::seconds timeout, const std::string& until = "") {
  child_process demo({AGORA_CLUSTER_DEMO_BIN}, {.pipe_stdin = false, .stderr_to_stdout = true, .env = {}});
  demo_run run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool signalled = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = demo.line(200ms);
    if (line) {
      run.lines.push_back(*line);
      if (!until.empty() && !signalled && line->find(until) != std::string::npos) {
        demo.signal(SIGTERM);
        signalled = true;
      }
    } else if (!demo.stdout_open()) {
      break;
    }
  }
  run.code = demo.wait_exit(10s);
  return run;
}

/// The scratch directory the demo named ("scratch dir PATH: ...").
std::string scratch_of(const demo_run& run) {
  const auto m = run.find(std::regex("^scratch dir (/[^:]+):"));
  return m ? (*m)[1].str() : "";
}

/// Processes whose command line names `path` (agora-node gets its secret
/// and scratch there).
std::vector<std::string> processes_naming(const std::string& path) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(path) != std::string::npos) found.push_back(name + ": " + cmdline);
  }
  return found;
}

/// Nothing of the run is left: no process naming its scratch dir, no dir.
void check_nothing_left(const demo_run& run) {
  const auto scratch = scratch_of(run);
  REQUIRE_MESSAGE(!scratch.empty(), run.transcript());
  CHECK_MESSAGE(!std::filesystem::exists(scratch), "the scratch dir is still there:\n" << run.transcript());
  // A node killed with -9 is reaped at once; give the others' exit a moment.
  std::vector<std::string> left;
  for (int i = 0; i < 50 && !(left = processes_naming(scratch)).empty(); ++i) std::this_thread::sleep_for(100ms);
  for (const auto& p : left) FAIL_CHECK("left running: " << p);
}

}  // namespace

TEST_CASE("cluster demo: every part exactly once, the leader killed and replaced, everything stopped") {
  const auto run = run_demo(90s);
  INFO(run.transcript());
  REQUIRE(run.code == 0);

  const auto first = run.find(std::regex("^node (\\d+) leads \\(epoch \\d+\\); all five agree$"));
  REQUIRE(first);
  const auto killed = run.find(std::regex("^killing the leader, node (\\d+) \\(kill -9\\)$"));
  REQUIRE(killed);
  CHECK((*killed)[1] == (*first)[1]);
  const auto next = run.find(std::regex("^node (\\d+) leads now \\(epoch \\d+\\)"));
  REQUIRE(next);
  CHECK((*next)[1] != (*first)[1]);

  // "part 3 on node 2: 3 squared is 9", "part 4 on node 1 (attempt 2): 4 squared is 16"
  const std::regex part_line("^part (\\d+) on node (\\d+)(?: \\(attempt (\\d+)\\))?: (\\d+) squared is (\\d+)$");
  std::map<int, int> seen;  // part -> times
  int again = 0;
  for (const auto& l : run.lines) {
    std::smatch m;
    if (!std::regex_match(l, m, part_line)) continue;
    const int part = std::stoi(m[1]), n = std::stoi(m[4]);
    ++seen[part];
    CHECK(n == part);
    CHECK(std::stoi(m[5]) == n * n);
    CHECK(m[2].str() != (*first)[1].str());  // killed while running its first part: nothing of it accepted
    if (m[3].matched && std::stoi(m[3]) > 1) ++again;
  }
  CHECK(seen.size() == 10);
  for (const auto& [part, times] : seen) CHECK_MESSAGE(times == 1, "part " << part << " appeared " << times << " times");
  CHECK(again >= 1);
  CHECK(run.find(std::regex("^all 10 parts done in [0-9.]+ s, each exactly once; node \\d+'s part \\d+ ran again on node \\d+ \\(attempt 2\\)$")));
  CHECK(run.find(std::regex("^all stopped \\(exit status 0\\)$")));
  check_nothing_left(run);
}

TEST_CASE("cluster demo: SIGTERM midway stops every node, removes the scratch dir, exits 1") {
  const auto run = run_demo(60s, "submitting job ");
  INFO(run.transcript());
  CHECK(run.code == 1);
  CHECK(run.find(std::regex("interrupted by signal 15")));
  check_nothing_left(run);
}
#endif
