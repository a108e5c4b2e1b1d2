// The zone file generator and dig's output parser, without running
// anything.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "dig.hpp"
#include "zone_file.hpp"

using namespace dns_process;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("zone file: SOA with its TTL and minimum, the fixed records, hosts, chain, big TXT, delegations") {
  zone_spec spec;
  spec.origin = "z.test.";
  spec.soa_ttl = 77;
  spec.soa_minimum = 42;
  spec.hosts = 3;
  spec.host_ttl = 9;
  spec.cname_chain = 2;
  spec.big_txt_bytes = 450;
  const std::string z = zone_text(spec);
  CHECK(has_line(z, "$ORIGIN z.test."));
  CHECK(has_line(z, "@ 77 IN SOA ns1 hostmaster 1 3600 600 86400 42"));
  CHECK(has_line(z, "www IN A 192.0.2.1"));
  CHECK(has_line(z, "www IN AAAA 2001:db8::1"));
  CHECK(has_line(z, "@ IN MX 10 mail"));
  CHECK(has_line(z, "alias IN CNAME www"));
  CHECK(has_line(z, "chain0 IN CNAME chain1"));
  CHECK(has_line(z, "chain1 IN CNAME www"));
  CHECK(has_line(z, "h2 9 IN A 10.0.0.2"));
  CHECK(!has_line(z, "h3 9 IN A 10.0.0.3"));
  CHECK(has_line(z, "child IN NS ns.child"));
  CHECK(has_line(z, "ns.child IN A 127.0.0.1"));
  CHECK(has_line(z, "glueless IN NS ns.elsewhere.test."));
  CHECK(z.find("ns.elsewhere.test. IN A") == std::string::npos);  // no glue

  const auto big = big_txt_strings(spec);
  REQUIRE(big.size() == 3);
  CHECK(big[0].size() == 200);
  CHECK(big[2].size() == 50);
  CHECK(big[1].rfind("chunk1-", 0) == 0);
  CHECK(z.find("\"" + big[2] + "\"") != std::string::npos);
  CHECK(txt_rdata(big).size() == 450 + 3);
  CHECK(host_address(0x010203) == std::array<std::uint8_t, 4>{10, 1, 2, 3});
}

TEST_CASE("zone file: a relative origin is refused") {
  zone_spec spec;
  spec.origin = "z.test";
  CHECK_THROWS_AS(zone_text(spec), std::invalid_argument);
}

TEST_CASE("dig output: status, id, flags, sections with TTLs, and the last header after a TCP retry") {
  const std::string out =
      ";; Truncated, retrying in TCP mode.\n"
      ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n"
      ";; flags: qr tc; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n"
      ";; ANSWER SECTION:\n"
      "stale.test.\t1\tIN\tA\t1.1.1.1\n"
      "\n"
      ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 4711\n"
      ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 1, ADDITIONAL: 1\n"
      ";; QUESTION SECTION:\n"
      ";www.z.test.\t\t\tIN\tA\n"
      "\n"
      ";; ANSWER SECTION:\n"
      "www.z.test.\t\t3600\tIN\tTXT\t\"a b\" \"c\"\n"
      "\n"
      ";; AUTHORITY SECTION:\n"
      "z.test.\t\t\t77\tIN\tSOA\tns1.z.test. hostmaster.z.test. 1 3600 600 86400 42\n"
      "\n"
      ";; Query time: 0 msec\n"
      ";; SERVER: 127.0.0.1#5300(127.0.0.1) (TCP)\n";
  const dig_result r = parse_dig_output(out);
  CHECK(r.status == "NXDOMAIN");
  CHECK(r.id == 4711);
  CHECK(r.flags == std::vector<std::string>{"qr", "aa", "rd"});
  CHECK(r.has_flag("aa"));
  CHECK(!r.has_flag("tc"));
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].name == "www.z.test.");
  CHECK(r.answer[0].ttl == 3600);
  CHECK(r.answer[0].type == "TXT");
  CHECK(r.answer[0].data == "\"a b\" \"c\"");
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].ttl == 77);
  CHECK(r.additional.empty());
  CHECK(r.over_tcp());
  CHECK(r.server == "127.0.0.1#5300(127.0.0.1) (TCP)");
}
