// answer_cache::render(): the client's ID, RD, CD and spelling of the
// question, QR/RA set and AA/AD clear, TTLs counted down, EDNS only when
// asked, truncation to the client's size; the slow path agrees with the
// fast one.
#include <doctest/doctest.h>

#include <stdexcept>

#include "cache_fixtures.hpp"

using namespace cache_test;

namespace {

/// www.example. CNAME web.example., web.example. A x2, an NS and its glue.
message www_reply() {
  message m = upstream_reply(q_of("www.example."));
  m.header.ad = true;
  m.answers.push_back(make_name_record(dn("www.example."), rr_type::cname, 3600, dn("web.example.")));
  m.answers.push_back(make_a(dn("web.example."), 300, {192, 0, 2, 10}));
  m.answers.push_back(make_a(dn("web.example."), 300, {192, 0, 2, 11}));
  m.authorities.push_back(make_name_record(dn("example."), rr_type::ns, 86400, dn("ns1.example.")));
  m.additionals.push_back(make_a(dn("ns1.example."), 86400, {192, 0, 2, 53}));
  return m;
}

std::vector<std::byte> render_bytes(answer_cache& cache, const message& query, answer_cache::time_point now,
                                    std::size_t max_size = max_message_size) {
  const auto hit = cache.find(query.questions.at(0), now);
  REQUIRE(hit);
  std::vector<std::byte> out{std::byte{0xee}};  // render clears it first
  cache.render(*hit, query, now, max_size, out);
  return out;
}

}  // namespace

TEST_CASE("dns cache render: header from the query, the client's spelling, TTLs down by 7 s") {
  answer_cache cache;
  REQUIRE(cache.store(q_of("www.example."), www_reply(), t0));
  message query = client_query(0xbeef, "wWw.ExAmple.", rr_type::a, {.recursion_desired = false});
  query.header.cd = true;
  const message reply = decoded(render_bytes(cache, query, t0 + std::chrono::milliseconds(7900)));
  CHECK(reply.header.id == 0xbeef);
  CHECK(reply.header.qr);
  CHECK(reply.header.opcode == opcode::query);
  CHECK(!reply.header.aa);  // not authoritative, though the upstream was
  CHECK(!reply.header.tc);
  CHECK(!reply.header.rd);
  CHECK(reply.header.ra);
  CHECK(!reply.header.ad);
  CHECK(reply.header.cd);
  CHECK(reply.full_rcode() == rcode::noerror);
  REQUIRE(reply.questions.size() == 1);
  CHECK(reply.questions[0].qname.same_spelling(dn("wWw.ExAmple.")));
  CHECK(reply.questions[0].qtype == rr_type::a);
  CHECK(ttls_of(reply) == std::vector<std::uint32_t>{3593, 293, 293, 86393, 86393});
  // The records themselves, names spelled as the upstream spelled them.
  const message upstream = www_reply();
  REQUIRE(reply.answers.size() == 3);
  CHECK(reply.answers[0].owner.same_spelling(dn("www.example.")));
  CHECK(reply.answers[0].target_name()->same_spelling(dn("web.example.")));
  CHECK(reply.answers[2].a_address() == std::array<std::uint8_t, 4>{192, 0, 2, 11});
  CHECK(reply.authorities.at(0).rdata == upstream.authorities[0].rdata);
  CHECK(reply.additionals.at(0).owner == dn("ns1.example."));
}

TEST_CASE("dns cache render: RD set and another ID on the next query, from the same entry") {
  answer_cache cache;
  REQUIRE(cache.store(q_of("www.example."), www_reply(), t0));
  const message reply = decoded(render_bytes(cache, client_query(17, "WWW.EXAMPLE."), t0));
  CHECK(reply.header.id == 17);
  CHECK(reply.header.rd);
  CHECK(!reply.header.cd);
  CHECK(reply.questions[0].qname.same_spelling(dn("WWW.EXAMPLE.")));
  CHECK(ttls_of(reply) == std::vector<std::uint32_t>{3600, 300, 300, 86400, 86400});
}

TEST_CASE("dns cache render: an OPT only if the query had EDNS") {
  answer_cache cache;
  REQUIRE(cache.store(q_of("www.example."), www_reply(), t0));
  message with = client_query(1, "www.example.", rr_type::a, {.edns_size = 4096, .dnssec_ok = true});
  with.edns->options = {std::byte{0}, std::byte{10}, std::byte{0}, std::byte{0}};  // a cookie option, empty
  const message a = decoded(render_bytes(cache, with, t0));
  REQUIRE(a.edns);
  CHECK(a.edns->udp_payload_size == 1232);
  CHECK(a.edns->version == 0);
  CHECK(!a.edns->dnssec_ok);
  CHECK(a.edns->options.empty());
  CHECK(a.additionals.size() == 1);  // the glue, the OPT apart
  const message b = decoded(render_bytes(cache, client_query(1, "www.example.", rr_type::a, {.edns_size = std::nullopt}), t0));
  CHECK(!b.edns);
  CHECK(b.additionals.size() == 1);
}

TEST_CASE("dns cache render: over max_size the reply is truncated by whole RRsets, TC set") {
  answer_cache cache;
  message big = upstream_reply(q_of("big.example."));
  big.answers.push_back(make_name_record(dn("big.example."), rr_type::cname, 600, dn("pool.example.")));
  for (std::uint8_t i = 0; i < 40; ++i) big.answers.push_back(make_a(dn("pool.example."), 600, {10, 0, 0, i}));
  REQUIRE(cache.store(q_of("big.example."), big, t0));
  const message query = client_query(99, "Big.Example.", rr_type::a, {.edns_size = std::nullopt});
  const auto wire = render_bytes(cache, query, t0 + seconds(3), 512);
  CHECK(wire.size() <= 512);
  const message reply = decoded(wire);
  CHECK(reply.header.tc);
  CHECK(reply.header.id == 99);
  CHECK(reply.questions[0].qname.same_spelling(dn("Big.Example.")));
  REQUIRE(reply.answers.size() == 1);  // the CNAME; the 40 A records did not fit
  CHECK(reply.answers[0].type == rr_type::cname);
  CHECK(reply.answers[0].ttl == 597);
  CHECK(!reply.edns);
  // Over TCP, all of it.
  const message whole = decoded(render_bytes(cache, query, t0 + seconds(3)));
  CHECK(!whole.header.tc);
  CHECK(whole.answers.size() == 41);
  CHECK(whole.answers[40].ttl == 597);
}

TEST_CASE("dns cache render: the slow path (over the limit) gives the reply the fast path gives") {
  answer_cache cache;
  REQUIRE(cache.store(q_of("www.example."), www_reply(), t0));
  const message query = client_query(5, "www.example.");
  const auto fast = render_bytes(cache, query, t0 + seconds(2));
  // One byte less: re-encoded, the owners compress against the question
  // (spelled as they are), so it fits without truncation.
  const auto slow = render_bytes(cache, query, t0 + seconds(2), fast.size() - 1);
  CHECK(slow != fast);
  CHECK(slow.size() < fast.size());
  CHECK(decoded(slow) == decoded(fast));
  CHECK(!decoded(slow).header.tc);
  CHECK(decoded(slow).additionals.size() == 1);
}

TEST_CASE("dns cache render: a record named like the question's placeholder is kept apart") {
  // The cache encodes the question as zero bytes; a name made of a zero
  // label of the same length would be compressed against it.
  answer_cache cache;
  message odd = upstream_reply(q_of("ab.example."));
  odd.answers.push_back(make_a(dn("ab.example."), 60, {10, 0, 0, 1}));
  odd.additionals.push_back(make_a(dn("\\000\\000\\000\\000\\000\\000\\000."), 60, {10, 0, 0, 2}));
  odd.additionals.push_back(make_name_record(dn("x.example."), rr_type::cname, 60, dn("\\000\\000.\\000\\000\\000\\000\\000\\000\\000.")));
  REQUIRE(cache.store(q_of("ab.example."), odd, t0));
  const message reply = decoded(render_bytes(cache, client_query(1, "AB.example."), t0));
  CHECK(reply.questions[0].qname.same_spelling(dn("AB.example.")));
  REQUIRE(reply.additionals.size() == 2);
  CHECK(reply.additionals[0].owner.same_spelling(dn("\\000\\000\\000\\000\\000\\000\\000.")));
  CHECK(reply.additionals[1].target_name()->same_spelling(dn("\\000\\000.\\000\\000\\000\\000\\000\\000\\000.")));
}

TEST_CASE("dns cache render: a query for another question is refused, not answered") {
  answer_cache cache;
  REQUIRE(cache.store(q_of("www.example."), www_reply(), t0));
  const auto hit = cache.find(q_of("www.example."), t0);
  REQUIRE(hit);
  std::vector<std::byte> out;
  CHECK_THROWS_AS(cache.render(*hit, client_query(1, "www.example.", rr_type::aaaa), t0, 512, out),
                  std::invalid_argument);
  CHECK_THROWS_AS(cache.render(*hit, client_query(1, "wwx.example."), t0, 512, out), std::invalid_argument);
  CHECK_THROWS_AS(cache.render(*hit, client_query(1, "www.example.com."), t0, 512, out), std::invalid_argument);
  message none = client_query(1, "www.example.");
  none.questions.clear();
  CHECK_THROWS_AS(cache.render(*hit, none, t0, 512, out), std::invalid_argument);
}
