// Root hints (resolve/root_hints.hpp): IANA's named.root layout, the
// master-file variations it allows, and each error with its line.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "resolve/root_hints.hpp"

using namespace agora::dns;

namespace {

name dn(std::string_view text) { return name::from_text(text).value(); }

ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return ip_address::v4({a, b, c, d}); }

std::vector<std::string> texts(const root_server& s) {
  std::vector<std::string> out;
  for (const auto& a : s.addresses) out.push_back(a.to_text());
  return out;
}

/// The error of hints that must be refused (fails the test if they parse).
root_hints_error refused(std::string_view text) {
  const auto r = parse_root_hints(text);
  REQUIRE_MESSAGE(!r.ok(), "parsed, but should have been refused: ", text);
  return r.error();
}

// The start of IANA's named.root as published (comments, column layout,
// upper-case names, A and AAAA for each), cut after three servers.
constexpr std::string_view named_root_excerpt =
    ";       This file holds the information on root name servers needed to\n"
    ";       initialize cache of Internet domain name servers\n"
    ";       (e.g. reference this file in the \"cache  .  <file>\"\n"
    ";       configuration file of BIND domain name servers).\n"
    ";\n"
    ";       This file is made available by InterNIC \n"
    ";       under anonymous FTP as\n"
    ";           file                /domain/named.cache\n"
    ";           on server           FTP.INTERNIC.NET\n"
    ";       -OR-                    RS.INTERNIC.NET\n"
    ";\n"
    ";       last update:     January 11, 2024\n"
    ";       related version of root zone:     2024011101\n"
    ";\n"
    "; FORMERLY NS.INTERNIC.NET\n"
    ";\n"
    ".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
    "A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4\n"
    "A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30\n"
    ";\n"
    "; FORMERLY NS1.ISI.EDU\n"
    ";\n"
    ".                        3600000      NS    B.ROOT-SERVERS.NET.\n"
    "B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2\n"
    "B.ROOT-SERVERS.NET.      3600000      AAAA  2801:1b8:10::b\n"
    ";\n"
    "; FORMERLY C.PSI.NET\n"
    ";\n"
    ".                        3600000      NS    C.ROOT-SERVERS.NET.\n"
    "C.ROOT-SERVERS.NET.      3600000      A     192.33.4.12\n"
    "C.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2::c\n"
    "; END OF FILE\n";

}  // namespace

TEST_CASE("root hints: an excerpt of IANA's named.root gives each server with its A and AAAA") {
  const auto r = parse_root_hints(named_root_excerpt);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().describe()));
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].host.same_spelling(dn("A.ROOT-SERVERS.NET.")));
  CHECK(texts((*r)[0]) == std::vector<std::string>{"198.41.0.4", "2001:503:ba3e::2:30"});
  CHECK((*r)[1].host == dn("b.root-servers.net."));
  CHECK(texts((*r)[1]) == std::vector<std::string>{"170.247.170.2", "2801:1b8:10::b"});
  CHECK((*r)[2].host == dn("c.root-servers.net."));
  CHECK(texts((*r)[2]) == std::vector<std::string>{"192.33.4.12", "2001:500:2::c"});
  CHECK((*r)[0].addresses[0] == v4(198, 41, 0, 4));
  CHECK(!(*r)[0].addresses[1].is_v4());
}

TEST_CASE("root hints: names match without case, and the NS record's spelling is kept") {
  const auto ok = parse_root_hints(
      ".  3600000  NS  a.Root-Servers.net.\n"
      ".  3600000  ns  A.ROOT-SERVERS.NET.\n"  // the same server again, other case: once
      "A.ROOT-SERVERS.NET.  3600000  a  198.41.0.4\n");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 1);
  CHECK((*ok)[0].host.same_spelling(dn("a.Root-Servers.net.")));
  CHECK(texts((*ok)[0]) == std::vector<std::string>{"198.41.0.4"});
}

TEST_CASE("root hints: TTL and class IN are optional, in either order, and a blank owner continues the last") {
  const auto r = parse_root_hints(
      ". IN 3600000 NS ns1.hints.test.\n"
      ". NS ns2.hints.test.\n"
      "\t3600 IN NS ns3.hints.test.   ; a blank owner: the root again\n"
      "ns1.hints.test. 3600000 IN A 192.0.2.1\r\n"  // CRLF
      "  AAAA 2001:db8::1\n"                        // ns1's too
      "ns2.hints.test. IN A 192.0.2.2\n"
      "ns3.hints.test.\tIN\t60\tA\t192.0.2.3");     // tabs, and no final newline
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().describe()));
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].host == dn("ns1.hints.test."));
  CHECK(texts((*r)[0]) == std::vector<std::string>{"192.0.2.1", "2001:db8::1"});
  CHECK(texts((*r)[1]) == std::vector<std::string>{"192.0.2.2"});
  CHECK((*r)[2].host == dn("ns3.hints.test."));
  CHECK(texts((*r)[2]) == std::vector<std::string>{"192.0.2.3"});
}

TEST_CASE("root hints: an address given twice is kept once, addresses of hosts no NS names are ignored") {
  const auto r = parse_root_hints(
      "ns1.hints.test. A 192.0.2.1\n"  // before its NS: order does not matter
      ". NS ns1.hints.test.\n"
      "NS1.HINTS.TEST. A 192.0.2.1\n"
      "ns1.hints.test. A 192.0.2.9\n"
      "stray.hints.test. A 192.0.2.200\n");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(texts((*r)[0]) == std::vector<std::string>{"192.0.2.1", "192.0.2.9"});
}

TEST_CASE("root hints: each kind of bad line is refused with its line and a clear reason") {
  struct bad_case {
    std::string text;
    std::size_t line;
    std::string what;
  };
  const std::string ok_start = ". NS ns1.hints.test.\nns1.hints.test. A 192.0.2.1\n";  // lines 1-2
  const std::vector<bad_case> cases = {
      {ok_start + "ns2.hints.test A 192.0.2.2\n", 3, "relative name 'ns2.hints.test' (names must end with '.')"},
      {". NS A.ROOT-SERVERS.NET\n", 1, "relative name 'A.ROOT-SERVERS.NET' (names must end with '.')"},
      {"@ NS ns1.hints.test.\n", 1, "'@' (the origin) is not supported: write names in full, ending with '.'"},
      {"$ORIGIN .\n" + ok_start, 1, "directive $ORIGIN is not supported in root hints (records only, names in full)"},
      {ok_start + "com. NS a.gtld-servers.net.\n", 3, "NS record for 'com.': root hints hold only the root's (owner '.')"},
      {ok_start + ". SOA a. b. 1 2 3 4 5\n", 3, "record type SOA is not expected in root hints (only NS, A and AAAA)"},
      {ok_start + ". 3600 CH NS ns1.hints.test.\n", 3, "class CH: root hints are class IN"},
      {ok_start + ". 3600 IN\n", 3, "no record type after the owner"},
      {ok_start + ". NS\n", 3, "NS record without its name server"},
      {ok_start + "ns1.hints.test. AAAA\n", 3, "AAAA record without its address"},
      {ok_start + "ns1.hints.test. A 192.0.2.1 192.0.2.2\n", 3, "unexpected '192.0.2.2' after the A record's data"},
      {ok_start + "ns1.hints.test. A 192.0.2\n", 3, "bad IPv4 address '192.0.2'"},
      {ok_start + "ns1.hints.test. A 2001:db8::1\n", 3, "bad IPv4 address '2001:db8::1'"},
      {ok_start + "ns1.hints.test. AAAA 2001:db8:::1\n", 3, "bad IPv6 address '2001:db8:::1'"},
      {ok_start + "ns1.hints.test. AAAA 192.0.2.1\n", 3, "bad IPv6 address '192.0.2.1'"},
      {ok_start + ". 2147483648 NS ns1.hints.test.\n", 3, "TTL 2147483648 is over 2147483647 (RFC 2181)"},
      {ok_start + ". 99999999999999999999999 NS ns1.hints.test.\n", 3,
       "TTL 99999999999999999999999 is over 2147483647 (RFC 2181)"},
      {ok_start + ". 60 60 NS ns1.hints.test.\n", 3, "a second TTL '60'"},
      {ok_start + ". IN IN NS ns1.hints.test.\n", 3, "a second class 'IN'"},
      {ok_start + ". NS ( ns1.hints.test. )\n", 3, "parentheses (records over several lines) are not supported"},
      {ok_start + ". NS \"ns1.hints.test.\"\n", 3, "quoted text is not expected in root hints"},
      {ok_start + std::string(". NS ns1\0.test.\n", 16), 3, "control character 0x00"},
      {"  NS ns1.hints.test.\n" + ok_start, 1, "no owner name, and no record before to take it from"},
      {ok_start + ". NS ns..hints.test.\n", 3, "bad name 'ns..hints.test.': at character 3: empty label"},
      {ok_start + ". NS " + std::string(64, 'x') + ".test.\n", 3,
       "bad name '" + std::string(64, 'x') + ".test.': at character 0: label longer than 63 bytes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto e = refused(c.text);
    CHECK(e.line == c.line);
    CHECK(e.what == c.what);
  }
}

TEST_CASE("root hints: no root NS, or a root server without an address, is an error") {
  const auto empty = refused("");
  CHECK(empty.line == 0);
  CHECK(empty.what == "no root NS record (a line like '.  3600000  NS  A.ROOT-SERVERS.NET.')");
  CHECK(refused("; only a comment\n\n   \n").what == empty.what);
  CHECK(refused("ns1.hints.test. A 192.0.2.1\n").what == empty.what);

  const auto no_address = refused(
      ". NS ns1.hints.test.\n"
      "ns1.hints.test. A 192.0.2.1\n"
      "; ns2 has none\n"
      ". NS ns2.hints.test.\n");
  CHECK(no_address.line == 4);  // its NS record
  CHECK(no_address.what == "root server 'ns2.hints.test.' has no A or AAAA record");
  CHECK(no_address.describe() == "line 4: root server 'ns2.hints.test.' has no A or AAAA record");
  CHECK(empty.describe() == empty.what);  // line 0: no prefix
}

TEST_CASE("root hints: at most 10000 lines and 1 MiB") {
  std::string lines = ". NS ns1.hints.test.\nns1.hints.test. A 192.0.2.1\n";
  for (std::size_t i = 2; i < max_root_hints_lines; ++i) lines += ";\n";
  REQUIRE(parse_root_hints(lines).ok());  // exactly 10000 lines
  const auto over = refused(lines + ";\n");
  CHECK(over.line == 10001);
  CHECK(over.what == "more than 10000 lines");

  std::string big = ". NS ns1.hints.test.\nns1.hints.test. A 192.0.2.1\n;";
  big.resize(max_root_hints_bytes, 'x');  // one long comment line
  REQUIRE(parse_root_hints(big).ok());
  big.push_back('x');
  const auto too_big = refused(big);
  CHECK(too_big.line == 0);
  CHECK(too_big.what == "1048577 bytes: root hints are at most 1048576 bytes");
}

TEST_CASE("root hints: read from a file, and the file's own errors name it") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("agora-root-hints-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto hints = dir / "named.root";
  {
    std::ofstream out(hints, std::ios::binary);
    out << named_root_excerpt;
  }
  const auto r = read_root_hints(hints);
  REQUIRE(r.ok());
  CHECK(r->size() == 3);

  const auto missing = read_root_hints(dir / "none.root");
  REQUIRE(!missing.ok());
  CHECK(missing.error().line == 0);
  CHECK(missing.error().what == "cannot read " + (dir / "none.root").string() + ": No such file or directory");

  const auto directory = read_root_hints(dir);
  REQUIRE(!directory.ok());
  CHECK(directory.error().what == "cannot read " + dir.string() + ": it is a directory");

  const auto big = dir / "big.root";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(max_root_hints_bytes + 100, ';');
  }
  const auto too_big = read_root_hints(big);
  REQUIRE(!too_big.ok());
  CHECK(too_big.error().what == big.string() + " is larger than 1048576 bytes: not a root hints file");
  std::filesystem::remove_all(dir);
}
