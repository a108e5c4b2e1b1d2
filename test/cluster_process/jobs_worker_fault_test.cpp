// Jobs when a worker fails mid-part, with three agora-node processes: kill
// -9 of a worker (its parts run again, attempt 2, on another node) and a
// worker paused with SIGSTOP past the deadline and resumed (its parts run
// again elsewhere; what it finishes late is never accepted a second time).
// Either way submit prints every part exactly once and exits 0.
#include <doctest/doctest.h>

#include <csignal>

#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

/// A part logs "started", sleeps, prints its number. Part `long_part` (if
/// any) sleeps `long_s` instead of `short_s`: it keeps the job alive.
std::string sleeping_script(const std::string& short_s, int long_part = -1, const std::string& long_s = "") {
  std::string s = "#!/bin/sh\necho started >&2\n";
  if (long_part >= 0)
    s += "if [ \"$AGORA_PART\" = " + std::to_string(long_part) + " ]; then sleep " + long_s + "; else sleep " +
         short_s + "; fi\n";
  else
    s += "sleep " + short_s + "\n";
  return s + "echo \"part $AGORA_PART\"\n";
}

/// Waits until node `id` has logged at least one part of `job` as started
/// (and a moment for its other slot); those parts.
std::vector<std::int64_t> wait_parts_on(test_cluster& c, std::uint64_t id, const std::string& job) {
  const auto first = c.node(id).wait_for(": started", 20s);
  if (!first) return {};
  c.node(id).wait_for(": started", 300ms, first->index + 1);
  return parts_started(c.node(id), job);
}

}  // namespace

TEST_CASE("jobs: kill -9 of a worker mid-part: its parts run again on another node, each part once, exit 0") {
  test_cluster c;
  INFO(c.logs());
  std::string why;
  REQUIRE_MESSAGE(start_three_job_members(c, why), why);
  const auto script = c.write("job.sh", sleeping_script("1.5"));
  auto submit = start_submit(c, c.node(2).address(), {"--parts", "6", script});
  INFO(submit->transcript());
  const auto job = wait_job_id(*submit);
  REQUIRE(!job.empty());

  const auto on_one = wait_parts_on(c, 1, job);
  REQUIRE_MESSAGE(!on_one.empty(), "node 1 runs no part");
  const auto t0 = test_clock::now();
  c.node(1).signal(SIGKILL);

  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 0);
  const auto results = read_results(*submit, 6);
  CHECK_MESSAGE(results.each_once(6), results.describe(6));
  for (const auto part : on_one) {
    CAPTURE(part);
    REQUIRE(results.parts.contains(part));
    const auto& r = results.parts.at(part);
    CHECK(r.node != 1);
    CHECK(r.attempt >= 2);
    if (const auto line = submit->wait_out("\"part\":" + std::to_string(part) + ",", 0s))
      report_timing("kill -9 of node 1 to part " + std::to_string(part) + " accepted from node " +
                        std::to_string(r.node) + " (a 1.5 s part)",
                    since(t0, *line));
  }
}

TEST_CASE("jobs: a worker paused past the deadline and resumed: its parts run again elsewhere and none is accepted twice") {
  test_cluster c;
  INFO(c.logs());
  std::string why;
  // Node 1 logs at debug: "job J part P attempt A ended" tells when its late
  // parts end once it runs again.
  REQUIRE_MESSAGE(start_three_job_members(c, why, {{1, {"--log-level", "debug"}}}), why);
  // Seven parts on six slots: the last one waits for a slot and runs 5 s,
  // so that the job still lives when node 1 comes back with its late results.
  const auto script = c.write("job.sh", sleeping_script("1.5", 6, "5"));
  auto submit = start_submit(c, c.node(2).address(), {"--parts", "7", script});
  INFO(submit->transcript());
  const auto job = wait_job_id(*submit);
  REQUIRE(!job.empty());

  const auto on_one = wait_parts_on(c, 1, job);
  REQUIRE_MESSAGE(!on_one.empty(), "node 1 runs no part");
  const auto mark2 = c.node(2).mark(), mark3 = c.node(3).mark();
  const auto t0 = test_clock::now();
  c.node(1).signal(SIGSTOP);
  struct resume_guard {
    node_process& n;
    bool done = false;
    ~resume_guard() {
      if (!done) n.signal(SIGCONT);
    }
  } resume{c.node(1)};

  for (auto [id, mark] : {std::pair{2, mark2}, std::pair{3, mark3}}) {
    const auto lost = c.node(id).wait_for(test_cluster::disappeared(1), 10s, mark);
    REQUIRE_MESSAGE(lost, "node ", id, " does not lose node 1");
    report_timing("SIGSTOP of node 1 to node " + std::to_string(id) + "'s disappeared line", since(t0, *lost));
  }
  // The paused node's parts are accepted from other nodes while it sleeps.
  for (const auto part : on_one) {
    const auto line = submit->wait_out("\"part\":" + std::to_string(part) + ",", 30s);
    REQUIRE_MESSAGE(line, "part ", part, " of the paused node is not accepted from another node");
    report_timing("SIGSTOP of node 1 to part " + std::to_string(part) + " accepted elsewhere", since(t0, *line));
  }
  const auto mark1 = c.node(1).mark();
  const auto t1 = test_clock::now();
  c.node(1).signal(SIGCONT);
  resume.done = true;

  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 0);
  const auto results = read_results(*submit, 7);
  CHECK_MESSAGE(results.each_once(7), results.describe(7));
  for (const auto part : on_one) {
    CAPTURE(part);
    REQUIRE(results.parts.contains(part));
    CHECK(results.parts.at(part).node != 1);
    CHECK(results.parts.at(part).attempt >= 2);
  }
  // What node 1 did with its late parts once it ran again (told, not checked:
  // it may see the job withdrawn before or after its processes' ends).
  const bool job_lived = *submit->exited_at() > t1;
  std::printf("[info] the job %s when node 1 resumed; node 1 then logged %zu part end(s) and %zu job end(s)\n",
              job_lived ? "still lived" : "had ended", c.node(1).lines_with(" ended", mark1).size(),
              c.node(1).lines_with("job " + job + ": ", mark1).size());
  // Node 1 links again after its pause.
  CHECK(c.node(2).wait_for(test_cluster::appeared(1), 20s, mark2));
}
