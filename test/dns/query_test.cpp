// The proxy's helpers: queries, error replies (BADVERS through EDNS), the
// UDP reply limit, 0x20 case randomisation and the reply's question check.
#include <doctest/doctest.h>

#include <random>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_bytes.hpp"

using namespace agora::dns;
using dns_test::dn;

TEST_CASE("dns query: one question, RD, EDNS 1232") {
  const message q = make_query(0x1234, dn("www.example.com."), rr_type::a);
  CHECK(encode(q) == dns_test::www_query());
  const message plain = make_query(9, dn("a."), rr_type::aaaa,
                                   {.recursion_desired = false, .edns_size = std::nullopt});
  CHECK(!plain.header.rd);
  CHECK(!plain.edns);
  const message dnssec = make_query(9, dn("a."), rr_type::ds, {.dnssec_ok = true});
  CHECK(dnssec.edns->dnssec_ok);
}

TEST_CASE("dns query: error replies keep the ID, opcode, RD, CD and question") {
  message query = dns_test::decoded(dns_test::www_query());
  query.header.cd = true;
  for (rcode code : {rcode::formerr, rcode::servfail, rcode::notimp, rcode::refused}) {
    const message reply = make_error_reply(query, code);
    CHECK(reply.header.id == 0x1234);
    CHECK(reply.header.qr);
    CHECK(reply.header.rd);
    CHECK(reply.header.cd);
    CHECK(!reply.header.ra);
    CHECK(reply.questions == query.questions);
    CHECK(reply.full_rcode() == code);
    REQUIRE(reply.edns);  // the query had EDNS
    CHECK(reply.edns->udp_payload_size == 1232);
    const message back = dns_test::decoded(encode(reply));
    CHECK(back == reply);
  }
  query.header.opcode = opcode::update;
  CHECK(make_error_reply(query, rcode::notimp).header.opcode == opcode::update);
}

TEST_CASE("dns query: BADVERS goes in the extended RCODE, and needs EDNS") {
  message query = dns_test::decoded(dns_test::www_query());
  query.edns->version = 1;
  const message reply = make_error_reply(query, rcode::badvers);
  CHECK(reply.header.rcode == 0);
  CHECK(reply.edns->extended_rcode == 1);
  CHECK(reply.edns->version == 0);
  const message back = dns_test::decoded(encode(reply));
  CHECK(back.full_rcode() == rcode::badvers);
  query.edns.reset();
  CHECK_THROWS_WITH_AS(make_error_reply(query, rcode::badvers), "BADVERS needs EDNS (an extended RCODE)",
                       std::invalid_argument);
  const message no_edns = make_error_reply(query, rcode::formerr);
  CHECK(!no_edns.edns);
}

TEST_CASE("dns query: the UDP reply limit follows the client's EDNS, within 512 and ours") {
  message q = make_query(1, dn("a."), rr_type::a, {.edns_size = std::nullopt});
  CHECK(udp_reply_limit(q) == 512);
  q.edns = edns{};
  for (auto [advertised, limit] : {std::pair{0, 512}, {100, 512}, {512, 512}, {1000, 1000},
                                    {1232, 1232}, {4096, 1232}, {65535, 1232}}) {
    q.edns->udp_payload_size = static_cast<std::uint16_t>(advertised);
    CHECK(udp_reply_limit(q) == static_cast<std::size_t>(limit));
  }
  q.edns->udp_payload_size = 4096;
  CHECK(udp_reply_limit(q, 4000) == 4000);
}

TEST_CASE("dns query: 0x20 changes only the letters' case") {
  const name n = dn("www-1.example.com.");
  std::array<std::uint64_t, 4> all{~0ull, ~0ull, ~0ull, ~0ull};
  CHECK(with_case_pattern(n, all).same_spelling(dn("WWW-1.EXAMPLE.COM.")));
  CHECK(with_case_pattern(dn("WWW-1.EXAMPLE.COM."), {}).same_spelling(n));
  // Bits go to letters in order, skipping other bytes: 0b101 -> W w W.
  CHECK(with_case_pattern(n, {0b101}).same_spelling(dn("WwW-1.example.com.")));
  std::mt19937_64 random(42);
  bool some_changed = false;
  for (int i = 0; i < 20; ++i) {
    const name r = with_random_case(n, random);
    CHECK(r == n);
    some_changed |= !r.same_spelling(n);
  }
  CHECK(some_changed);
  // The longest name: every byte a letter but the length bytes.
  const std::string l63(63, 'a');
  const name longest = dn(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b') + ".");
  CHECK(with_case_pattern(longest, all).same_spelling(dn(
      std::string(63, 'A') + "." + std::string(63, 'A') + "." + std::string(63, 'A') + "." +
      std::string(61, 'B') + ".")));
}

TEST_CASE("dns query: a reply must carry the query's question exactly") {
  const message query = make_query(5, dn("WwW.ExAmPlE.CoM."), rr_type::a);
  message reply = make_error_reply(query, rcode::servfail);
  CHECK(!question_mismatch(query, reply));
  reply.questions[0].qname = dn("www.example.com.");
  CHECK(question_mismatch(query, reply) ==
        "the reply's question is for www.example.com., the query's for WwW.ExAmPlE.CoM.");
  reply.questions[0] = query.questions[0];
  reply.questions[0].qtype = rr_type::aaaa;
  CHECK(question_mismatch(query, reply) == "the reply's question is IN AAAA, the query's IN A");
  reply.questions.clear();
  CHECK(question_mismatch(query, reply) == "the reply has 0 questions (must be 1)");
  message two = query;
  two.questions.push_back(query.questions[0]);
  CHECK(question_mismatch(two, query) == "the query has 2 questions (must be 1)");
}

TEST_CASE("dns query: FORMERR for a query that did not decode past its header") {
  auto bad = dns_test::www_query();
  bad[12] = std::byte{0x40};  // label type 0x40 in the question
  const auto r = decode(bad);
  REQUIRE(!r);
  REQUIRE(r.error().kind == decode_failure::malformed);
  const message reply = make_error_reply(r.error().header, rcode::formerr);
  CHECK(reply.header.id == 0x1234);
  CHECK(reply.header.qr);
  CHECK(reply.header.rd);
  CHECK(reply.questions.empty());
  CHECK(!reply.edns);
  const auto wire = encode(reply);
  CHECK(wire == dns_test::wire({0x12, 0x34, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK_THROWS_AS(make_error_reply(r.error().header, rcode::badvers), std::invalid_argument);
}
