// Three agora-node members that run jobs (--cluster-size 3, /bin/sh allowed
// as `sh`, two slots each, scratch directories inside the test's own), the
// submit and cancel commands against them, and the jobs that `agora-node
// status --json` lists.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "job_client.hpp"
#include "leader_reports.hpp"
#include "run_program.hpp"
#include "test_cluster.hpp"

namespace agora_test {

/// agora-node's arguments for a member that runs jobs; `extra` after them.
inline std::vector<std::string> job_member_args(test_cluster& c, std::uint64_t id,
                                                std::vector<std::string> extra = {}) {
  // The scratch root goes inside the cluster's directory (removed with it):
  // the default, /tmp/agora-node-ID-jobs, is shared by tests run side by side.
  const auto marker_file = c.write("scratch-" + std::to_string(id) + "/.keep", "");
  const auto scratch = marker_file.substr(0, marker_file.rfind('/'));
  std::vector<std::string> args{"--cluster-size", "3",    "--allow-interpreter", "sh=/bin/sh",
                                "--slots",        "2",    "--scratch",           scratch};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// Starts members 1, 2, 3 (2 and 3 seeded with node 1) and waits until all
/// three see each other and report node 3, the highest, as leader. False
/// (with the reason in `why`) if not within the deadlines.
inline bool start_three_job_members(test_cluster& c, std::string& why,
                                    const std::map<std::uint64_t, std::vector<std::string>>& extra = {}) {
  const auto extra_of = [&](std::uint64_t id) { return extra.contains(id) ? extra.at(id) : std::vector<std::string>{}; };
  c.start(1, {}, job_member_args(c, 1, extra_of(1)));
  c.start(2, {c.node(1).address()}, job_member_args(c, 2, extra_of(2)));
  c.start(3, {c.node(1).address()}, job_member_args(c, 3, extra_of(3)));
  if (!c.wait_mesh({1, 2, 3}, 20s)) {
    why = "the three members do not see each other";
    return false;
  }
  for (std::uint64_t id = 1; id <= 3; ++id)
    if (!wait_leader(c.node(id), 3, 20s)) {
      why = "node " + std::to_string(id) + " does not report node 3 as leader";
      return false;
    }
  return true;
}

/// `agora-node submit --connect ADDRESS --secret-file S ARGS...` (ARGS: the
/// options, the script, -- and its arguments), left running.
inline std::unique_ptr<command_process> start_submit(const test_cluster& c, const std::string& address,
                                                     std::vector<std::string> args) {
  args.insert(args.begin(), {"submit", "--connect", address, "--secret-file", c.secret()});
  return std::make_unique<command_process>("submit", AGORA_NODE_BIN, std::move(args));
}

/// `agora-node cancel --connect ADDRESS --secret-file S --wait 10 JOB`, to its end.
inline program_result run_cancel(const test_cluster& c, const std::string& address, const std::string& job) {
  return run_program(AGORA_NODE_BIN,
                     {"cancel", "--connect", address, "--secret-file", c.secret(), "--wait", "10", job}, 30s);
}

/// A job as `agora-node status --json` lists it.
struct job_report {
  std::string id, state;
  std::int64_t parts = 0, done = 0;
  std::map<std::uint64_t, std::int64_t> running;
};

/// The jobs node `address` lists; nullopt (with `why`) if status fails.
inline std::optional<std::vector<job_report>> query_jobs(const test_cluster& c, const std::string& address,
                                                         std::string& why) {
  const auto r = run_program(AGORA_NODE_BIN,
                             {"status", "--connect", address, "--secret-file", c.secret(), "--json", "--timeout", "10"},
                             20s);
  if (r.exit_code != 0) {
    why = "agora-node status failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
    return std::nullopt;
  }
  try {
    const auto j = nlohmann::json::parse(r.out);
    std::vector<job_report> jobs;
    for (const auto& job : j.at("jobs")) {
      job_report report{job.at("id").get<std::string>(), job.at("state").get<std::string>(),
                        job.at("parts").get<std::int64_t>(), job.at("done").get<std::int64_t>(), {}};
      for (const auto& [node, count] : job.at("running").items())
        report.running[std::stoull(node)] = count.get<std::int64_t>();
      jobs.push_back(std::move(report));
    }
    return jobs;
  } catch (const std::exception& e) {
    why = std::string("unreadable status: ") + e.what() + ": " + r.out;
    return std::nullopt;
  }
}

/// Polls node `address`'s status until `good(the job's report, or nullopt
/// if it lists no such job)` holds; the last report seen and whether it
/// held within `timeout`.
template <class Good>
std::pair<bool, std::optional<job_report>> wait_job_status(const test_cluster& c, const std::string& address,
                                                           const std::string& job, Good good,
                                                           std::chrono::milliseconds timeout, std::string& why) {
  const auto deadline = test_clock::now() + timeout;
  std::optional<job_report> last;
  for (;;) {
    const auto jobs = query_jobs(c, address, why);
    if (jobs) {
      last.reset();
      for (const auto& j : *jobs)
        if (j.id == job) last = j;
      if (good(last)) return {true, last};
    }
    if (test_clock::now() > deadline) return {false, last};
    std::this_thread::sleep_for(200ms);
  }
}

}  // namespace agora_test
