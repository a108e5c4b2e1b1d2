// What `agora-node submit` refuses, and its exit codes (docs/JOBS.md): an
// interpreter no node allows (3), no cluster at --connect (3), a missing
// script (2), no leader within --wait (3).
#include <doctest/doctest.h>

#include "behind_proxy.hpp"
#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

const std::string job_script = "#!/bin/sh\necho \"part $AGORA_PART\"\n";

}  // namespace

TEST_CASE("jobs: an interpreter no node allows: submit exits 3 saying so") {
  test_cluster c;
  INFO(c.logs());
  std::string why;
  REQUIRE_MESSAGE(start_three_job_members(c, why), why);
  const auto script = c.write("job.py", "print('never')\n");
  auto submit = start_submit(c, c.node(1).address(), {"--parts", "2", "--interpreter", "python3", script});
  INFO(submit->transcript());
  const auto code = submit->wait_exit(30s);
  REQUIRE_MESSAGE(code, "submit still runs after 30 s");
  CHECK(*code == 3);
  CHECK(submit->err_text().find("interpreter python3 is not allowed on any node") != std::string::npos);
  CHECK(submit->out().empty());
}

TEST_CASE("jobs: submit with no cluster at --connect, a missing script, and no leader in time") {
  test_cluster c;
  INFO(c.logs());
  const auto script = c.write("job.sh", job_script);

  SUBCASE("no cluster at --connect (a closed port, --wait 2): exit 3") {
    const auto address = "127.0.0.1:" + std::to_string(free_loopback_port());
    const auto t0 = test_clock::now();
    const auto r = run_program(AGORA_NODE_BIN,
                               {"submit", "--connect", address, "--secret-file", c.secret(), "--wait", "2", "--parts",
                                "2", script},
                               30s);
    INFO("stdout: ", r.out, "stderr: ", r.err);
    report_timing("submit to a closed port with --wait 2, to its exit",
                  std::chrono::duration_cast<std::chrono::milliseconds>(test_clock::now() - t0));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("no leader seen within 2 s") != std::string::npos);
    CHECK(r.out.empty());
  }
  SUBCASE("a missing script: exit 2") {
    const auto r = run_program(AGORA_NODE_BIN, {"submit", "--connect", "127.0.0.1:1", "--secret-file", c.secret(),
                                                "--parts", "2", script + ".missing"},
                               30s);
    INFO("stdout: ", r.out, "stderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot read the script") != std::string::npos);
  }
  SUBCASE("one member of a cluster of three (no majority, so no leader), --wait 2: exit 3") {
    auto& lone = c.start(1, {}, job_member_args(c, 1));
    const auto r = run_program(AGORA_NODE_BIN,
                               {"submit", "--connect", lone.address(), "--secret-file", c.secret(), "--wait", "2",
                                "--parts", "2", script},
                               30s);
    INFO("stdout: ", r.out, "stderr: ", r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("no leader seen within 2 s") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(lone.lines_with("leader: node ").empty());
  }
}
