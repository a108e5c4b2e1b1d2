// Jobs with three agora-node processes (docs/JOBS.md): a job submitted with
// `agora-node submit` completes — every part's result exactly once on its
// stdout, exit 0 — and `agora-node status --json` lists it as done on every
// member. Times are reported, never asserted.
#include <doctest/doctest.h>

#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

TEST_CASE("jobs: a job of 8 parts on three members completes with each part once, and status lists it as done") {
  test_cluster c;
  INFO(c.logs());
  std::string why;
  REQUIRE_MESSAGE(start_three_job_members(c, why), why);
  const auto script = c.write("job.sh",
                              "#!/bin/sh\n"
                              "echo started >&2\n"
                              "sleep 0.3\n"
                              "echo \"part $AGORA_PART of $AGORA_PARTS args $*\"\n");

  auto submit = start_submit(c, c.node(1).address(), {"--parts", "8", script, "--", "a", "b"});
  INFO(submit->transcript());
  const auto job = wait_job_id(*submit);
  REQUIRE(job.rfind("j-", 0) == 0);
  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  report_timing("submit of 8 parts of 0.3 s on 3 x 2 slots, start to exit", std::chrono::duration_cast<std::chrono::milliseconds>(*submit->exited_at() - submit->started()));
  CHECK(*code == 0);

  const auto results = read_results(*submit, 8);
  CHECK_MESSAGE(results.each_once(8), results.describe(8));
  std::map<std::uint64_t, int> per_node;
  for (const auto& [part, r] : results.parts) {
    CAPTURE(part);
    CHECK(r.result == "part " + std::to_string(part) + " of 8 args a b\n");
    CHECK(r.attempt == 1);
    CHECK((r.node >= 1 && r.node <= 3));
    ++per_node[r.node];
  }
  for (const auto& [node, n] : per_node) std::printf("[info] node %llu ran %d part(s)\n", static_cast<unsigned long long>(node), n);

  // Every member's scheduler keeps the finished job in its recent history.
  for (std::uint64_t id = 1; id <= 3; ++id) {
    CAPTURE(id);
    const auto [ok, report] = wait_job_status(
        c, c.node(id).address(), job, [](const std::optional<job_report>& j) { return j && j->state == "done"; }, 10s,
        why);
    CHECK_MESSAGE(ok, "node ", id, " lists the job as ", report ? report->state : std::string("absent"), " ", why);
    if (report) {
      CHECK(report->parts == 8);
      CHECK(report->done == 8);
      CHECK(report->running.empty());
    }
  }
}
