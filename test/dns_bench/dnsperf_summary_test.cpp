// Reading dnsperf 2.10's summary.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dnsperf_run.hpp"

using namespace agora_bench;

TEST_CASE("dnsperf summary: the counts, the NOERROR share and the rate") {
  const std::vector<std::string> out{
      "DNS Performance Testing Tool",
      "Version 2.10.0",
      "",
      "[Status] Command line: dnsperf -s 127.0.0.1 -p 5301 -d q.txt -l 8",
      "[Timeout] Query timed out: msg id 17",
      "Statistics:",
      "",
      "  Queries sent:         120000",
      "  Queries completed:    119880 (99.90%)",
      "  Queries lost:         120 (0.10%)",
      "",
      "  Response codes:       NOERROR 119800 (99.93%), SERVFAIL 80 (0.07%)",
      "  Average packet size:  request 33, response 49",
      "  Run time (s):         8.000123",
      "  Queries per second:   14984.770000",
      "",
      "  Average Latency (s):  0.000400 (min 0.000020, max 0.010000)",
  };
  const auto r = parse_dnsperf_summary(out);
  REQUIRE(r);
  CHECK(r->sent == 120000);
  CHECK(r->completed == 119880);
  CHECK(r->lost == 120);
  CHECK(r->noerror == 119800);
  CHECK(r->qps == doctest::Approx(14984.77));
  CHECK(r->loss_pct() == doctest::Approx(0.1));
  CHECK(r->noerror_pct() == doctest::Approx(100.0 * 119800 / 119880));
}

TEST_CASE("dnsperf summary: none without the rate line, and no NOERROR counted when there is none") {
  CHECK_FALSE(parse_dnsperf_summary({"Queries sent: 10", "Queries completed: 10 (100%)"}));
  CHECK_FALSE(parse_dnsperf_summary({}));
  const auto r = parse_dnsperf_summary({"  Response codes:       SERVFAIL 10 (100.00%)", "  Queries per second:   5"});
  REQUIRE(r);
  CHECK(r->noerror == 0);
  CHECK(r->qps == 5);
  CHECK(r->loss_pct() == 0);  // nothing sent: no division by zero
}
