// locate_records(): offsets in hand-written messages (pointers skipped,
// the OPT listed), agreement with the decoder on encoded ones, and errors
// instead of reads past the end on cut and random bytes.
#include <doctest/doctest.h>

#include <random>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "codec/record_offsets.hpp"
#include "dns_bytes.hpp"

using namespace agora::dns;
using dns_test::bytes;
using dns_test::dn;

TEST_CASE("dns record offsets: the question, two records through pointers, the OPT") {
  const auto layout = locate_records(dns_test::www_answer());
  REQUIRE(layout);
  REQUIRE(layout->questions.size() == 1);
  CHECK(layout->questions[0].name_at == 12);
  CHECK(layout->questions[0].name_length == 17);
  CHECK(layout->questions[0].type == rr_type::a);
  REQUIRE(layout->records.size() == 3);
  const record_position& cname = layout->records[0];
  CHECK(cname.section == wire_section::answer);
  CHECK(cname.owner_at == 33);
  CHECK(cname.type == rr_type::cname);
  CHECK(cname.ttl_at == 39);
  CHECK(cname.ttl == 3600);
  CHECK(cname.rdata_at == 45);
  CHECK(cname.rdlength == 6);
  const record_position& a = layout->records[1];
  CHECK(a.owner_at == 51);
  CHECK(a.ttl_at == 57);
  CHECK(a.ttl == 300);
  CHECK(a.rdlength == 4);
  const record_position& opt = layout->records[2];
  CHECK(opt.section == wire_section::additional);
  CHECK(opt.type == rr_type::opt);
  CHECK(opt.rclass == 1232);
  CHECK(layout->end == dns_test::www_answer().size());
}

TEST_CASE("dns record offsets: the authority section, and TTLs read as on the wire") {
  const auto layout = locate_records(dns_test::nxdomain_answer());
  REQUIRE(layout);
  REQUIRE(layout->records.size() == 1);
  CHECK(layout->records[0].section == wire_section::authority);
  CHECK(layout->records[0].type == rr_type::soa);
  CHECK(layout->records[0].ttl_at == 38);
  CHECK(layout->records[0].rdlength == 39);
  bytes b = dns_test::nxdomain_answer();
  b[38] = b[39] = b[40] = b[41] = std::byte{0xff};
  CHECK(locate_records(b)->records[0].ttl == 0xffffffffu);
}

TEST_CASE("dns record offsets: every TTL the decoder reads, in an encoded message") {
  message m = make_query(3, dn("big.example."), rr_type::a);
  m.header.qr = true;
  for (std::uint8_t i = 0; i < 20; ++i)
    m.answers.push_back(make_a(dn(i % 2 ? "a.big.example." : "big.example."), 100u + i, {10, 0, 0, i}));
  m.authorities.push_back(make_name_record(dn("big.example."), rr_type::ns, 7, dn("ns.big.example.")));
  m.additionals.push_back(make_a(dn("ns.big.example."), 9, {10, 1, 1, 1}));
  const bytes wire = encode(m);
  const auto layout = locate_records(wire);
  REQUIRE(layout);
  REQUIRE(layout->records.size() == 23);  // the OPT too
  for (std::size_t i = 0; i < 20; ++i) CHECK(layout->records[i].ttl == 100 + i);
  CHECK(layout->records[20].section == wire_section::authority);
  CHECK(layout->records[20].ttl == 7);
  CHECK(layout->records[21].ttl == 9);
  CHECK(layout->records[22].type == rr_type::opt);
}

TEST_CASE("dns record offsets: cut messages give an error saying where") {
  const bytes whole = dns_test::www_answer();
  for (std::size_t size = 0; size < whole.size(); ++size) {
    const bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    const auto layout = locate_records(cut);
    REQUIRE_FALSE(layout);
    CHECK(layout.error().offset <= size);
    CHECK(!layout.error().describe().empty());
  }
  CHECK(locate_records(bytes(5)).error().describe() == "at byte 0: fewer than 12 bytes: no header");
  // A label length of 0x40 (an extended label type).
  bytes odd = dns_test::www_answer();
  odd[12] = std::byte{0x40};
  CHECK(locate_records(odd).error().describe() == "at byte 12: label type 0x40");
}

TEST_CASE("dns record offsets: random bytes never read out of bounds") {
  std::mt19937 random(20261201);
  for (int round = 0; round < 2000; ++round) {
    bytes b = dns_test::www_answer();
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) b[random() % b.size()] = static_cast<std::byte>(random() & 0xff);
    b.resize(random() % (b.size() + 8));
    const auto layout = locate_records(b);
    if (layout) {
      CHECK(layout->end <= b.size());
      for (const record_position& r : layout->records) CHECK(r.rdata_at + r.rdlength <= b.size());
    }
  }
}
