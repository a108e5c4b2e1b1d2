// A job's processes stop everywhere when the job ends early, with three
// agora-node processes: the submitter killed (kill -9), `agora-node cancel`,
// and SIGINT on submit. Each part runs `sleep 3600` under a name carrying a
// marker of the test's own (marked_sleep_script), so that every process of
// the job, on every node, is found in /proc and seen to go. docs/JOBS.md
// promises the grace period (0.5 s) after the end is seen; the bound
// checked is generous (a loaded machine), the time is reported.
#include <doctest/doctest.h>

#include <csignal>

#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

constexpr std::int64_t parts = 6;  // all at once on 3 x 2 slots

/// Three members and a job whose parts all sleep, marked for the cleanup;
/// ready once every part's sleep runs.
struct sleeping_job {
  const std::string marker = unique_marker("agora-jobs-test");
  marked_cleanup cleanup{marker};
  test_cluster c;
  std::unique_ptr<command_process> submit;
  std::string job;

  sleeping_job() {
    std::string why;
    REQUIRE_MESSAGE(start_three_job_members(c, why), why);
    const auto script = c.write("sleeper.sh", marked_sleep_script(false));
    submit = start_submit(c, c.node(1).address(), {"--parts", std::to_string(parts), script, "--", marker});
    job = wait_job_id(*submit);
    REQUIRE(!job.empty());
    const auto all_running =
        wait_processes("sleep-" + marker, [](std::size_t n) { return n == static_cast<std::size_t>(parts); }, 30s);
    REQUIRE_MESSAGE(all_running, "the parts' sleeps do not all run: ", processes_with("sleep-" + marker).size());
  }
};

/// Waits (10 s at most) until no process of the job is left on any node.
void check_all_gone(const std::string& marker, test_clock::time_point t0, const std::string& what) {
  const auto gone = wait_processes(marker, [](std::size_t n) { return n == 0; }, 10s);
  CHECK_MESSAGE(gone, processes_with(marker).size(), " process(es) of the job still run 10 s after ", what);
  if (gone)
    report_timing(what + " to the last process of the job gone",
                  std::chrono::duration_cast<std::chrono::milliseconds>(*gone - t0));
}

/// The job as `status` lists it on every member: gone (`lost`, or `cancelled`
/// when that is `ended_as`), or not listed at all.
void check_status_ended(test_cluster& c, const std::string& job, const std::string& ended_as) {
  for (std::uint64_t id = 1; id <= 3; ++id) {
    CAPTURE(id);
    std::string why;
    const auto [ok, report] = wait_job_status(
        c, c.node(id).address(), job,
        [&](const std::optional<job_report>& j) { return !j || j->state == ended_as; }, 10s, why);
    CHECK_MESSAGE(ok, "node ", id, " lists the job as ", report ? report->state : std::string("absent"), " ", why);
  }
}

}  // namespace

TEST_CASE("jobs: kill -9 of the submitter: every process of the job is gone on every node, and status shows it lost") {
  sleeping_job j;
  auto& [marker, cleanup, c, submit, job] = j;
  INFO(c.logs());
  INFO(submit->transcript());

  const auto t0 = test_clock::now();
  submit->signal(SIGKILL);
  check_all_gone(marker, t0, "kill -9 of submit");
  CHECK(submit->wait_exit(10s) == 128 + SIGKILL);
  check_status_ended(c, job, "lost");
}

TEST_CASE("jobs: agora-node cancel ends the job: submit exits 130, cancel 0, and every process of the job is gone") {
  sleeping_job j;
  auto& [marker, cleanup, c, submit, job] = j;
  INFO(c.logs());
  INFO(submit->transcript());

  const auto t0 = test_clock::now();
  const auto cancel = run_cancel(c, c.node(2).address(), job);
  INFO("cancel: exit ", cancel.exit_code, ", stdout: ", cancel.out, ", stderr: ", cancel.err);
  CHECK(cancel.exit_code == 0);
  CHECK(cancel.out.find("job " + job + " cancelled") != std::string::npos);
  const auto code = submit->wait_exit(20s);
  REQUIRE_MESSAGE(code, "submit still runs 20 s after the cancel");
  CHECK(*code == 130);
  CHECK(submit->err_text().find("cancelled") != std::string::npos);
  CHECK(submit->out().empty());
  check_all_gone(marker, t0, "agora-node cancel");
  check_status_ended(c, job, "cancelled");
}

TEST_CASE("jobs: SIGINT on submit: it exits 130 and every process of the job is gone on every node") {
  sleeping_job j;
  auto& [marker, cleanup, c, submit, job] = j;
  INFO(c.logs());
  INFO(submit->transcript());

  const auto t0 = test_clock::now();
  submit->signal(SIGINT);
  const auto code = submit->wait_exit(20s);
  REQUIRE_MESSAGE(code, "submit still runs 20 s after SIGINT");
  CHECK(*code == 130);
  report_timing("SIGINT to submit's exit", std::chrono::duration_cast<std::chrono::milliseconds>(*submit->exited_at() - t0));
  check_all_gone(marker, t0, "SIGINT on submit");
  check_status_ended(c, job, "cancelled");
}
