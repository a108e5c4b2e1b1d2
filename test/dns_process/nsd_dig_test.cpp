// nsd serves the generated zone to dig: what dig prints (status, flags,
// the answer section with TTLs, the SERVER line) for each record kind, over
// UDP and TCP, and the big TXT that dig retries over TCP after TC.
#include <doctest/doctest.h>

#include "dig.hpp"
#include "nsd_serving.hpp"
#include "socket_fd.hpp"

using namespace dns_process;

namespace {

/// nsd, or null after printing why the test is skipped (no nsd, no dig).
std::unique_ptr<nsd_server> start_nsd_for_dig() {
  if (const auto why = missing_program("dig", "bind9-dnsutils")) {
    MESSAGE(*why);
    return nullptr;
  }
  return start_nsd();
}

dig_result dig(const nsd_server& nsd, const std::string& name, const std::string& type, dig_options options = {}) {
  dig_result r = run_dig(nsd.address(), nsd.port(), name, type, options);
  INFO("dig output:\n", r.output);
  REQUIRE(r.exit_code == 0);
  return r;
}

}  // namespace

TEST_CASE("nsd + dig: A, AAAA, TXT, MX, CNAME chain and hosts with TTLs and flags, over UDP and TCP") {
  const auto nsd = start_nsd_for_dig();
  if (!nsd) return;
  const zone_spec spec = test_zone();
  for (const bool tcp : {false, true}) {
    CAPTURE(tcp);
    const dig_options options{.tcp = tcp, .norec = false, .noedns = false, .extra = {}};
    const auto a = dig(*nsd, "www.example.test", "A", options);
    INFO(a.output);
    CHECK(a.status == "NOERROR");
    CHECK(a.has_flag("qr"));
    CHECK(a.has_flag("aa"));
    CHECK(a.has_flag("rd"));
    CHECK(!a.has_flag("ra"));
    CHECK(a.over_tcp() == tcp);
    CHECK(a.server.find("127.0.0.1#" + std::to_string(nsd->port())) == 0);
    REQUIRE(a.answer.size() == 1);
    CHECK(a.answer[0].name == "www.example.test.");
    CHECK(a.answer[0].ttl == spec.default_ttl);
    CHECK(a.answer[0].rclass == "IN");
    CHECK(a.answer[0].type == "A");
    CHECK(a.answer[0].data == "192.0.2.1");

    const auto aaaa = dig(*nsd, "www.example.test", "AAAA", options);
    REQUIRE(aaaa.answer.size() == 1);
    CHECK(aaaa.answer[0].data == "2001:db8::1");

    const auto txt = dig(*nsd, "txt.example.test", "TXT", options);
    REQUIRE(txt.answer.size() == 1);
    CHECK(txt.answer[0].ttl == txt_ttl);
    CHECK(txt.answer[0].data == "\"" + std::string(txt_text) + "\"");

    const auto mx = dig(*nsd, "example.test", "MX", options);
    REQUIRE(mx.answer.size() == 1);
    CHECK(mx.answer[0].data == "10 mail.example.test.");

    const auto chain = dig(*nsd, "chain0.example.test", "A", options);
    REQUIRE(chain.answer.size() == 4);
    CHECK(chain.answer[0].type == "CNAME");
    CHECK(chain.answer[0].data == "chain1.example.test.");
    CHECK(chain.answer[3].name == "www.example.test.");
    CHECK(chain.answer[3].data == "192.0.2.1");

    const auto host = dig(*nsd, "h3.example.test", "A", options);
    REQUIRE(host.answer.size() == 1);
    CHECK(host.answer[0].ttl == spec.host_ttl);
    CHECK(host.answer[0].data == "10.0.0.3");
  }
}

TEST_CASE("nsd + dig: NXDOMAIN with the SOA, +norec clears RD, +noedns sends no OPT") {
  const auto nsd = start_nsd_for_dig();
  if (!nsd) return;
  const auto nx = dig(*nsd, "nope.example.test", "A", {.tcp = false, .norec = true, .noedns = true, .extra = {}});
  INFO(nx.output);
  CHECK(nx.status == "NXDOMAIN");
  CHECK(!nx.has_flag("rd"));
  CHECK(nx.answer.empty());
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].type == "SOA");
  CHECK(nx.authority[0].ttl == 300);
  CHECK(nx.output.find("OPT PSEUDOSECTION") == std::string::npos);
  const auto with_edns = dig(*nsd, "www.example.test", "A");
  CHECK(with_edns.output.find("OPT PSEUDOSECTION") != std::string::npos);
}

TEST_CASE("nsd + dig: the big TXT comes with TC over UDP (+ignore), and dig's TCP retry gets it whole") {
  const auto nsd = start_nsd_for_dig();
  if (!nsd) return;
  const auto truncated = dig(*nsd, "big.example.test", "TXT", {.tcp = false, .norec = false, .noedns = false, .extra = {"+ignore"}});
  INFO(truncated.output);
  CHECK(truncated.has_flag("tc"));
  CHECK(truncated.answer.empty());
  CHECK(!truncated.over_tcp());

  const auto retried = dig(*nsd, "big.example.test", "TXT");
  INFO(retried.output);
  CHECK(retried.output.find("Truncated, retrying in TCP mode") != std::string::npos);
  CHECK(retried.over_tcp());
  CHECK(!retried.has_flag("tc"));
  REQUIRE(retried.answer.size() == 1);
  CHECK(retried.answer[0].data.find(big_txt_strings(test_zone()).back()) != std::string::npos);
}

TEST_CASE("dig: no server on the port gives a non-zero exit and no status") {
  if (const auto why = missing_program("dig", "bind9-dnsutils")) {
    MESSAGE(*why);
    return;
  }
  // A closed port: refused at once over TCP (silence would cost +time=2).
  const std::uint16_t closed = free_port();
  const auto r = run_dig("127.0.0.1", closed, "www.example.test", "A", {.tcp = true, .norec = false, .noedns = false, .extra = {}});
  INFO(r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.status.empty());
  CHECK(r.answer.empty());
}
