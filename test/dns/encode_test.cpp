// encode(): compression to the expected bytes, truncation (TC, whole
// RRsets, the question and OPT kept), the 0x4000 pointer limit, and the
// messages it refuses to write.
#include <doctest/doctest.h>

#include <stdexcept>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_bytes.hpp"

using namespace agora::dns;
using dns_test::bytes;
using dns_test::dn;

namespace {

message www_answer_built() {
  message m = make_query(0x1234, dn("www.example.com."), rr_type::a);
  m.header.qr = true;
  m.header.ra = true;
  m.answers.push_back(make_name_record(dn("www.example.com."), rr_type::cname, 3600, dn("web.example.com.")));
  m.answers.push_back(make_a(dn("web.example.com."), 300, {93, 184, 216, 34}));
  return m;
}

/// A response for big.example. with `a` A records of a.example., then `b`
/// of b.example., and `glue` A records in the additional section.
message many_records(int a, int b, int glue) {
  message m = make_query(7, dn("big.example."), rr_type::a);
  m.header.qr = true;
  for (int i = 0; i < a; ++i)
    m.answers.push_back(make_a(dn("a.example."), 60, {10, 0, 0, static_cast<std::uint8_t>(i)}));
  for (int i = 0; i < b; ++i)
    m.answers.push_back(make_a(dn("b.example."), 60, {10, 0, 1, static_cast<std::uint8_t>(i)}));
  for (int i = 0; i < glue; ++i)
    m.additionals.push_back(make_a(dn("g.example."), 60, {10, 0, 2, static_cast<std::uint8_t>(i)}));
  return m;
}

message decoded(const bytes& b) { return dns_test::decoded(b); }

}  // namespace

TEST_CASE("dns encode: names compressed against the question and earlier rdata") {
  CHECK(encode(www_answer_built()) == dns_test::www_answer());
  message soa = make_query(0xabcd, dn("nx.example.com."), rr_type::a, {.edns_size = std::nullopt});
  soa.header.qr = soa.header.rd = soa.header.ra = true;
  soa.header.rcode = 3;
  soa.authorities.push_back(make_soa(dn("example.com."), 3600,
                                     {dn("ns1.example.com."), dn("hostmaster.example.com."), 2024010101,
                                      7200, 3600, 1209600, 300}));
  CHECK(encode(soa) == dns_test::nxdomain_answer());
}

TEST_CASE("dns encode: compression matches case exactly, and can be turned off") {
  message m = make_query(1, dn("WwW.Example.COM."), rr_type::a, {.edns_size = std::nullopt});
  m.header.qr = true;
  m.answers.push_back(make_a(dn("www.example.com."), 60, {1, 2, 3, 4}));
  const bytes b = encode(m);
  // The owner is not a pointer to the 0x20 question: only ".com." differs in
  // case too, so nothing is shared.
  const message back = decoded(b);
  CHECK(back.questions[0].qname.same_spelling(dn("WwW.Example.COM.")));
  CHECK(back.answers[0].owner.same_spelling(dn("www.example.com.")));
  CHECK(b.size() == 12 + 21 + 17 + 10 + 4);
  // Without compression: every name in full, the same message.
  const bytes plain = encode(www_answer_built(), {.compress = false});
  CHECK(plain.size() > dns_test::www_answer().size());
  CHECK(decoded(plain) == decoded(dns_test::www_answer()));
}

TEST_CASE("dns encode: SRV and DNAME targets are written uncompressed (RFC 2782, RFC 6672)") {
  message m = make_query(1, dn("_sip._udp.example.org."), rr_type::srv, {.edns_size = std::nullopt});
  m.answers.push_back(make_srv(dn("_sip._udp.example.org."), 60, {10, 5, 5060, dn("sip.example.org.")}));
  m.answers.push_back(make_name_record(dn("x.example.org."), rr_type::dname, 60, dn("example.org.")));
  const bytes b = encode(m);
  // Question 12..38; SRV owner a pointer (2) + 10, rdata 6 + 17 in full;
  // DNAME owner "x" + pointer (4) + 10, rdata 13 in full.
  CHECK(b.size() == 39 + 12 + 23 + 14 + 13);
  const message back = decoded(b);
  CHECK(back.answers[0].srv() == srv_fields{10, 5, 5060, dn("sip.example.org.")});
  CHECK(back.answers[1].target_name()->same_spelling(dn("example.org.")));
}

TEST_CASE("dns encode: truncation sets TC, drops whole RRsets, keeps the question and OPT") {
  // 20 records of a.example. take 20 * 16 bytes: 320, the next 20 do not fit
  // in 512 with the header, question and OPT.
  const message m = many_records(20, 20, 0);
  const bytes full = encode(m);
  CHECK(full.size() > 512);
  CHECK(!decoded(full).header.tc);
  const bytes cut = encode(m, {.max_size = 512});
  CHECK(cut.size() <= 512);
  const message back = decoded(cut);
  CHECK(back.header.tc);
  CHECK(back.questions == m.questions);
  REQUIRE(back.edns);
  CHECK(back.edns->udp_payload_size == 1232);
  CHECK(back.answers.size() == 20);  // all of a.example., none of b.example.
  for (const auto& rr : back.answers) CHECK(rr.owner == dn("a.example."));
  // One RRset bigger than the limit: no answers at all, still TC.
  const message one_big = many_records(40, 0, 0);
  const message empty = decoded(encode(one_big, {.max_size = 512}));
  CHECK(empty.header.tc);
  CHECK(empty.answers.empty());
  CHECK(empty.questions == one_big.questions);
  CHECK(empty.edns);
}

TEST_CASE("dns encode: additional records that do not fit are left out without TC") {
  const message m = many_records(10, 0, 40);
  const message back = decoded(encode(m, {.max_size = 512}));
  CHECK(!back.header.tc);
  CHECK(back.answers.size() == 10);
  CHECK(back.additionals.empty());  // the glue was one RRset: all or nothing
  CHECK(back.edns);
  // A message that fits is untouched by the limit.
  const message small = many_records(5, 5, 5);
  CHECK(encode(small, {.max_size = 512}) == encode(small));
}

TEST_CASE("dns encode: the question and OPT are kept even past a tiny limit") {
  const message m = many_records(3, 0, 0);
  const bytes b = encode(m, {.max_size = 20});
  const message back = decoded(b);
  CHECK(back.header.tc);
  CHECK(back.answers.empty());
  CHECK(back.questions == m.questions);
  CHECK(back.edns);
  CHECK(b.size() == 12 + 17 + 11);
}

TEST_CASE("dns encode: pointers only to offsets below 0x4000") {
  // A 20000-byte opaque record first: names after it cannot be pointed to.
  message m = make_query(1, dn("q.example."), rr_type::txt, {.edns_size = std::nullopt});
  resource_record big;
  big.owner = dn("q.example.");
  big.type = rr_type::txt;
  big.rdata.assign(20000, std::byte{'x'});
  m.answers.push_back(big);
  m.answers.push_back(make_a(dn("late.example."), 1, {1, 1, 1, 1}));
  m.answers.push_back(make_a(dn("late.example."), 1, {2, 2, 2, 2}));
  const bytes b = encode(m);
  // late.example. twice: "late" + pointer to example. (in the question)
  // both times, since the first "late" label is past 0x4000.
  CHECK(b.size() == 12 + 15 + (2 + 10 + 20000) + 2 * (5 + 2 + 10 + 4));
  CHECK(decoded(b) == m);
}

TEST_CASE("dns encode: messages that cannot be written are refused") {
  message opt_in_answers = make_query(1, dn("a."), rr_type::a);
  resource_record opt;
  opt.type = rr_type::opt;
  opt_in_answers.answers.push_back(opt);
  CHECK_THROWS_WITH_AS(encode(opt_in_answers), "OPT record in a section (EDNS goes in message::edns)",
                       std::invalid_argument);
  message bad_a = make_query(1, dn("a."), rr_type::a);
  resource_record a5 = make_a(dn("a."), 1, {1, 2, 3, 4});
  a5.rdata.push_back(std::byte{5});
  bad_a.answers.push_back(a5);
  CHECK_THROWS_WITH_AS(encode(bad_a), "record of a.: A rdata of 5 bytes has 1 bytes after its fields",
                       std::invalid_argument);
  message bad_cname = make_query(1, dn("a."), rr_type::a);
  resource_record cname = make_name_record(dn("a."), rr_type::cname, 1, dn("b."));
  cname.rdata.pop_back();  // no root label
  bad_cname.answers.push_back(cname);
  CHECK_THROWS_WITH_AS(encode(bad_cname), "record of a.: CNAME rdata: no valid name at byte 0",
                       std::invalid_argument);
  message huge = make_query(1, dn("a."), rr_type::a);
  resource_record txt;
  txt.type = rr_type::txt;
  txt.rdata.assign(70000, std::byte{0});
  huge.answers.push_back(txt);
  CHECK_THROWS_AS(encode(huge), std::invalid_argument);
}

TEST_CASE("dns encode: a decoded message that no longer fits in 65535 bytes is truncated") {
  // The question: 49 labels of 3 letters (197 bytes). Then 3000 SRV
  // records whose targets are pointers to it (SRV targets are written in
  // full by the encoder), owned in turn by the question's suffixes (so each
  // record is an RRset of its own): 60 KB that would take 650 KB again.
  bytes b = dns_test::header_bytes(1, 0x8000, 1, 3000, 0, 0);
  for (int i = 0; i < 49; ++i) dns_test::append(b, dns_test::wire({3, "xyz"}));
  dns_test::append(b, dns_test::wire({0, 0, 33, 0, 1}));
  for (int i = 0; i < 3000; ++i) {
    const int owner = 12 + 4 * (i % 49);
    dns_test::append(b, dns_test::wire({0xc0, owner, 0, 33, 0, 1, 0, 0, 0, 60, 0, 8, 0, 1, 0, 2, 0, 3, 0xc0, 12}));
  }
  REQUIRE(b.size() < max_message_size);
  const message m = decoded(b);
  REQUIRE(m.answers.size() == 3000);
  const bytes again = encode(m);
  CHECK(again.size() <= max_message_size);
  const message back = decoded(again);
  CHECK(back.header.tc);
  CHECK(back.questions == m.questions);
  CHECK(back.answers.size() == (max_message_size - 12 - 201) / (2 + 10 + 6 + 197));
  for (std::size_t i = 0; i < back.answers.size(); ++i) CHECK(back.answers[i] == m.answers[i]);
}
