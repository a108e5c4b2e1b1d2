// Parts that go wrong, with three agora-node processes: a script that exits
// 4 with text on stderr, one that hangs past --timeout, one that prints more
// than --max-output (each: submit exits 1 and says why), and one that leaves
// children behind (`sleep 3600 &`, then exit 0: the job completes and no
// such child is left on any node).
#include <doctest/doctest.h>

#include <regex>

#include "jobs_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

struct three_members {
  test_cluster c;
  three_members() {
    std::string why;
    const bool up = start_three_job_members(c, why);
    INFO(c.logs());
    REQUIRE_MESSAGE(up, why);
  }
};

}  // namespace

TEST_CASE("jobs: a part that exits 4: submit exits 1 naming the part, exited(4) and the tail of its stderr") {
  three_members m;
  auto& c = m.c;
  INFO(c.logs());
  const auto script = c.write("fail.sh",
                              "#!/bin/sh\n"
                              "echo \"something went wrong in part $AGORA_PART\" >&2\n"
                              "echo \"giving up\" >&2\n"
                              "exit 4\n");
  auto submit = start_submit(c, c.node(1).address(), {"--parts", "2", "--max-attempts", "2", script});
  INFO(submit->transcript());
  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 1);
  const auto err = submit->err_text();
  std::smatch m_part;
  REQUIRE_MESSAGE(std::regex_search(err, m_part, std::regex("part ([0-9]+) failed 2 time\\(s\\)")),
                  "no part named as failed");
  CHECK(err.find("exited(4)") != std::string::npos);
  CHECK(err.find("something went wrong in part " + m_part[1].str()) != std::string::npos);
  CHECK(err.find("giving up") != std::string::npos);
  CHECK(submit->out().empty());
}

TEST_CASE("jobs: a part that hangs past --timeout 1 with --max-attempts 2: submit exits 1 with timeout, no process left") {
  const auto marker = unique_marker("agora-jobs-test");
  marked_cleanup cleanup(marker);
  three_members m;
  auto& c = m.c;
  INFO(c.logs());
  const auto script = c.write("hang.sh", marked_sleep_script(false));
  auto submit = start_submit(c, c.node(1).address(),
                             {"--parts", "1", "--timeout", "1", "--max-attempts", "2", script, "--", marker});
  INFO(submit->transcript());
  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 1);
  report_timing("two attempts of 1 s and their grace, submit's start to exit",
                std::chrono::duration_cast<std::chrono::milliseconds>(*submit->exited_at() - submit->started()));
  const auto err = submit->err_text();
  CHECK(err.find("part 0 failed 2 time(s)") != std::string::npos);
  CHECK(err.find("timeout") != std::string::npos);
  CHECK(wait_processes(marker, [](std::size_t n) { return n == 0; }, 10s));
}

TEST_CASE("jobs: a part that prints more than --max-output: submit exits 1 with output_limit") {
  three_members m;
  auto& c = m.c;
  INFO(c.logs());
  // 100 lines of 50 bytes: 5,000 bytes against a limit of 1,000.
  const auto script = c.write("chatty.sh",
                              "#!/bin/sh\n"
                              "i=0\n"
                              "while [ $i -lt 100 ]; do\n"
                              "  echo 0123456789012345678901234567890123456789012345678\n"
                              "  i=$((i + 1))\n"
                              "done\n");
  auto submit = start_submit(c, c.node(1).address(),
                             {"--parts", "2", "--max-output", "1000", "--max-attempts", "1", script});
  INFO(submit->transcript());
  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 1);
  const auto err = submit->err_text();
  CHECK(err.find("output_limit(1000)") != std::string::npos);
  CHECK(std::regex_search(err, std::regex("part [01] failed 1 time\\(s\\)")));
  CHECK(submit->out().empty());
}

TEST_CASE("jobs: parts that leave a child running (sleep 3600 &) complete, and no such child is left on any node") {
  const auto marker = unique_marker("agora-jobs-test");
  marked_cleanup cleanup(marker);
  three_members m;
  auto& c = m.c;
  INFO(c.logs());
  const auto script = c.write("forks.sh", marked_sleep_script(true));
  auto submit = start_submit(c, c.node(1).address(), {"--parts", "4", script, "--", marker});
  INFO(submit->transcript());
  const auto code = submit->wait_exit(60s);
  REQUIRE_MESSAGE(code, "submit still runs after 60 s");
  CHECK(*code == 0);
  const auto results = read_results(*submit, 4);
  CHECK_MESSAGE(results.each_once(4), results.describe(4));
  for (const auto& [part, r] : results.parts) CHECK(r.result == "part " + std::to_string(part) + "\n");
  const auto t0 = *submit->exited_at();
  const auto gone = wait_processes(marker, [](std::size_t n) { return n == 0; }, 10s);
  CHECK_MESSAGE(gone, processes_with(marker).size(), " child(ren) of the parts still run 10 s after the job");
  if (gone)
    report_timing("submit's exit to the last left-behind child gone (negative: gone before)",
                  std::chrono::duration_cast<std::chrono::milliseconds>(*gone - t0));
}
