// Jobs when the leader — the scheduler that assigns, and a worker too — is
// killed (kill -9) mid-job, with three agora-node processes: node 2 leads in
// a newer epoch, rebuilds the job's state from presence, assigns the parts
// that waited and those node 3 ran; submit prints every part exactly once
// and exits 0.
#include <doctest/doctest.h>

#include <csignal>

#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

TEST_CASE("jobs: kill -9 of the leader mid-job: node 2 leads, every part once, none accepted twice, exit 0") {
  test_cluster c;
  INFO(c.logs());
  std::string why;
  REQUIRE_MESSAGE(start_three_job_members(c, why), why);
  const auto first = wait_leader(c.node(1), 3, 0s);
  REQUIRE(first);
  // Eight parts on six slots: two wait for the leader to assign them later.
  const auto script = c.write("job.sh", "#!/bin/sh\necho started >&2\nsleep 1\necho \"part $AGORA_PART\"\n");
  auto submit = start_submit(c, c.node(1).address(), {"--parts", "8", script});
  INFO(submit->transcript());
  const auto job = wait_job_id(*submit);
  REQUIRE(!job.empty());

  const auto started = c.node(3).wait_for(": started", 20s);
  REQUIRE_MESSAGE(started, "the leader runs no part");
  c.node(3).wait_for(": started", 300ms, started->index + 1);  // its other slot
  const auto on_leader = parts_started(c.node(3), job);
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();
  const auto t0 = test_clock::now();
  c.node(3).signal(SIGKILL);

  std::optional<std::uint64_t> epoch;
  for (auto [id, mark] : {std::pair{1, mark1}, std::pair{2, mark2}}) {
    const auto r = wait_leader(c.node(id), 2, 20s, mark);
    REQUIRE_MESSAGE(r, "node ", id, " does not report node 2 as leader");
    report_timing("kill -9 of the leader to node " + std::to_string(id) + "'s report of node 2", since(t0, r->line));
    CHECK(r->epoch > first->epoch);
    if (epoch) CHECK(*epoch == r->epoch);
    epoch = r->epoch;
  }

  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 0);
  report_timing("kill -9 of the leader to submit's exit", std::chrono::duration_cast<std::chrono::milliseconds>(*submit->exited_at() - t0));
  const auto results = read_results(*submit, 8);
  CHECK_MESSAGE(results.each_once(8), results.describe(8));
  for (const auto part : on_leader) {
    CAPTURE(part);
    REQUIRE(results.parts.contains(part));
    CHECK(results.parts.at(part).node != 3);
    CHECK(results.parts.at(part).attempt >= 2);
  }
  epoch_ledger ledger;
  for (std::uint64_t id = 1; id <= 3; ++id) CHECK_MESSAGE(ledger.add(c.node(id)), ledger.conflict());
}
