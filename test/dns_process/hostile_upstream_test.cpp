// The hostile upstream does what each mode says, seen from a client on
// the wire (dns_client, raw bytes): the honest answers, then every bad
// reply, and its record of the queries it got.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_client.hpp"
#include "hostile_upstream.hpp"

using namespace dns_process;
namespace dns = agora::dns;
using dns::rr_type;
using namespace std::chrono_literals;

namespace {

dns::name dn(const std::string& text) { return dns::name::from_text(text).value(); }

query_spec www(transport via = transport::udp) {
  query_spec q = ask("www.upstream.test.", rr_type::a, via);
  q.id = 0x4242;
  return q;
}

dns_reply must_answer(const dns_client& c, const query_spec& q) {
  auto r = c.query(q);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  return std::move(*r);
}

/// The reply's raw bytes (for the ones the codec refuses).
bytes raw_reply(const dns_client& c, const query_spec& q) {
  const auto r = c.send_raw(dns::encode(dns::make_query(*q.id, dn(q.name), q.type)), q.via);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  return *r;
}

/// Waits (at most 5 s) until `done()`: for what the server records of a
/// query it does not answer.
template <class Done>
bool eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("hostile upstream: honest answers, CNAME, NXDOMAIN and NODATA with the SOA, REFUSED outside its zone") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  for (const transport via : {transport::udp, transport::tcp}) {
    CAPTURE(to_string(via));
    const auto a = must_answer(c, www(via));
    CHECK(a.msg.header.id == 0x4242);
    CHECK(a.msg.header.qr);
    CHECK(a.msg.header.aa);
    CHECK(a.msg.header.ra);
    REQUIRE(a.msg.answers.size() == 1);
    CHECK(a.msg.answers[0].a_address() == upstream_www_a);
    CHECK(a.msg.answers[0].ttl == 300);
    REQUIRE(a.msg.edns);
    CHECK(a.msg.edns->udp_payload_size == 1232);
  }
  const auto alias = must_answer(c, ask("alias.upstream.test."));
  REQUIRE(alias.msg.answers.size() == 2);
  CHECK(alias.msg.answers[0].target_name() == dn("www.upstream.test."));
  CHECK(alias.msg.answers[1].a_address() == upstream_www_a);

  const auto nx = must_answer(c, ask("nope.upstream.test."));
  CHECK(nx.msg.full_rcode() == dns::rcode::nxdomain);
  REQUIRE(nx.msg.authorities.size() == 1);
  CHECK(nx.msg.authorities[0].soa()->minimum == 300);

  const auto nodata = must_answer(c, ask("mail.upstream.test.", rr_type::aaaa));
  CHECK(nodata.msg.full_rcode() == dns::rcode::noerror);
  CHECK(nodata.msg.answers.empty());
  CHECK(nodata.msg.authorities.size() == 1);

  CHECK(must_answer(c, ask("www.example.com.")).msg.full_rcode() == dns::rcode::refused);
}

TEST_CASE("hostile upstream: it records transport, ID, source port and the name as spelled, and counts per name") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  std::set<std::uint16_t> ports;
  for (std::uint16_t id = 1; id <= 3; ++id) {
    query_spec q = ask("WwW.upstream.TEST.");
    q.id = id;
    must_answer(c, q);
  }
  must_answer(c, ask("mail.upstream.test.", rr_type::a, transport::tcp));
  const auto seen = up.seen();
  REQUIRE(seen.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(seen[i].via == transport::udp);
    CHECK(seen[i].id == i + 1);
    CHECK(seen[i].qname.same_spelling(dn("WwW.upstream.TEST.")));  // 0x20 is visible
    CHECK(seen[i].qtype == rr_type::a);
    ports.insert(seen[i].source_port);
  }
  CHECK(ports.size() == 3);  // dns_client uses a fresh socket (and port) per query
  CHECK(ports.count(0) == 0);
  CHECK(seen[3].via == transport::tcp);
  CHECK(up.udp_queries() == 3);
  CHECK(up.tcp_queries() == 1);
  CHECK(up.queries_for(dn("www.upstream.test.")) == 3);
  CHECK(up.queries_for(dn("mail.upstream.test.")) == 1);
  CHECK(up.queries_for(dn("nope.upstream.test.")) == 0);

  // Garbage is counted apart and not answered.
  const auto garbage = dns_client("127.0.0.1", up.port(), 200ms).send_raw(bytes{std::byte{1}, std::byte{2}}, transport::udp);
  CHECK(!garbage.ok());
  CHECK(eventually([&] { return up.undecodable() == 1; }));
  up.forget();
  CHECK(up.seen().empty());
  CHECK(up.undecodable() == 0);
}

TEST_CASE("hostile upstream: wrong_id answers with another ID, wrong_question with another name") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::wrong_id);
  CHECK(up.mode() == upstream_mode::wrong_id);
  const auto wrong_id = must_answer(c, www());
  CHECK(wrong_id.msg.header.id != 0x4242);
  CHECK(wrong_id.msg.answers.size() == 1);  // otherwise a good answer

  up.set_mode(upstream_mode::wrong_question);
  const auto q = www();
  const auto wrong_q = must_answer(c, q);
  CHECK(wrong_q.msg.header.id == 0x4242);
  REQUIRE(wrong_q.msg.questions.size() == 1);
  CHECK(wrong_q.msg.questions[0].qname == dn("decoy.upstream.test."));
  const dns::message sent = dns::make_query(0x4242, dn(q.name), rr_type::a);
  CHECK(dns::question_mismatch(sent, wrong_q.msg).has_value());
}

TEST_CASE("hostile upstream: pointer_loop and truncated_rr replies keep the ID but do not decode") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  for (const auto mode : {upstream_mode::pointer_loop, upstream_mode::truncated_rr}) {
    CAPTURE(to_string(mode));
    up.set_mode(mode);
    const bytes raw = raw_reply(c, www());
    const auto header = dns::decode_header(raw);
    REQUIRE(header);
    CHECK(header->id == 0x4242);
    CHECK(header->qr);
    const auto decoded = dns::decode(raw);
    REQUIRE(!decoded.ok());
    CHECK(decoded.error().kind == dns::decode_failure::malformed);
    const std::string why = decoded.error().describe();
    CAPTURE(why);
    if (mode == upstream_mode::pointer_loop)
      CHECK(why.find("does not point before") != std::string::npos);
    else
      CHECK(why.find("past the end") != std::string::npos);
    // The client says so too.
    const auto via_client = c.query(www());
    REQUIRE(!via_client.ok());
    CHECK(via_client.error().rfind("decode error: ", 0) == 0);
  }
}

TEST_CASE("hostile upstream: poison_additional and poison_answer add victim.example. A 6.6.6.6 to the right answer") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::poison_additional);
  const auto additional = must_answer(c, www());
  REQUIRE(additional.msg.answers.size() == 1);
  CHECK(additional.msg.answers[0].a_address() == upstream_www_a);
  REQUIRE(additional.msg.additionals.size() == 1);
  CHECK(additional.msg.additionals[0].owner == dn(poison_name));
  CHECK(additional.msg.additionals[0].a_address() == poison_address);

  up.set_mode(upstream_mode::poison_answer);
  const auto answer = must_answer(c, www());
  REQUIRE(answer.msg.answers.size() == 2);
  CHECK(answer.msg.answers[0].a_address() == upstream_www_a);
  CHECK(answer.msg.answers[1].owner == dn(poison_name));
  CHECK(answer.msg.answers[1].a_address() == poison_address);
}

TEST_CASE("hostile upstream: ttl_max sets every TTL to 0xFFFFFFFF") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::ttl_max);
  const auto a = must_answer(c, ask("alias.upstream.test."));
  REQUIRE(a.msg.answers.size() == 2);
  for (const auto& rr : a.msg.answers) {
    CHECK(rr.ttl == 0xffffffffu);
    CHECK(rr.effective_ttl() == 0);
  }
  const auto nx = must_answer(c, ask("nope.upstream.test."));
  REQUIRE(nx.msg.authorities.size() == 1);
  CHECK(nx.msg.authorities[0].ttl == 0xffffffffu);
}

TEST_CASE("hostile upstream: cname_self and cname_loop") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::cname_self);
  const auto self = must_answer(c, www());
  REQUIRE(self.msg.answers.size() == 1);
  CHECK(self.msg.answers[0].type == rr_type::cname);
  CHECK(self.msg.answers[0].owner == dn("www.upstream.test."));
  CHECK(self.msg.answers[0].target_name() == dn("www.upstream.test."));

  up.set_mode(upstream_mode::cname_loop);
  const auto loop = must_answer(c, www());
  REQUIRE(loop.msg.answers.size() == 2);
  CHECK(loop.msg.answers[0].target_name() == dn("loop-b.upstream.test."));
  CHECK(loop.msg.answers[1].owner == dn("loop-b.upstream.test."));
  CHECK(loop.msg.answers[1].target_name() == dn("www.upstream.test."));
  // Asked for the partner itself, the loop goes through loop-a.
  const auto partner = must_answer(c, ask("loop-b.upstream.test."));
  REQUIRE(partner.msg.answers.size() == 2);
  CHECK(partner.msg.answers[0].target_name() == dn("loop-a.upstream.test."));
}

TEST_CASE("hostile upstream: tc_then_tcp sets TC with no records over UDP and answers over TCP") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::tc_then_tcp);
  const auto udp = must_answer(c, www());
  CHECK(udp.msg.header.tc);
  CHECK(udp.msg.answers.empty());
  CHECK(udp.msg.authorities.empty());
  const auto tcp = must_answer(c, www(transport::tcp));
  CHECK(!tcp.msg.header.tc);
  REQUIRE(tcp.msg.answers.size() == 1);
  CHECK(tcp.msg.answers[0].a_address() == upstream_www_a);
  CHECK(up.udp_queries() == 1);
  CHECK(up.tcp_queries() == 1);
}

TEST_CASE("hostile upstream: silent never answers, over UDP or TCP, but counts the queries") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port(), 200ms);
  up.set_mode(upstream_mode::silent);
  for (const transport via : {transport::udp, transport::tcp}) {
    const auto r = c.query(www(via));
    REQUIRE(!r.ok());
    CHECK(r.error().rfind("timeout: ", 0) == 0);
  }
  CHECK(eventually([&] { return up.udp_queries() == 1 && up.tcp_queries() == 1; }));
  up.set_mode(upstream_mode::honest);  // and it can recover
  CHECK(c.query(www()).ok());
}

TEST_CASE("hostile upstream: slow answers after the delay, and a slow reply still waiting holds up no other") {
  hostile_upstream up;
  up.set_mode(upstream_mode::slow, 1000ms);
  const dns_client patient("127.0.0.1", up.port(), 5000ms);
  const dns_client impatient("127.0.0.1", up.port(), 300ms);
  // An impatient client gives up on a slow reply...
  const auto early = impatient.query(www());
  REQUIRE(!early.ok());
  CHECK(early.error().rfind("timeout: ", 0) == 0);
  // ... which still waits in the server while an honest one goes out (the
  // server does not sleep).
  up.set_mode(upstream_mode::honest);
  CHECK(impatient.query(www()).ok());
  // A patient client gets the slow honest answer.
  up.set_mode(upstream_mode::slow, 1000ms);
  const auto late = must_answer(patient, www());
  CHECK(late.msg.answers.size() == 1);
}

TEST_CASE("hostile upstream: servfail and refused") {
  hostile_upstream up;
  const dns_client c("127.0.0.1", up.port());
  up.set_mode(upstream_mode::servfail);
  const auto sf = must_answer(c, www());
  CHECK(sf.msg.full_rcode() == dns::rcode::servfail);
  CHECK(sf.msg.header.id == 0x4242);
  CHECK(sf.msg.answers.empty());
  up.set_mode(upstream_mode::refused);
  CHECK(must_answer(c, www(transport::tcp)).msg.full_rcode() == dns::rcode::refused);
}

TEST_CASE("hostile upstream: a UDP reply over the query's size is cut with TC, whole over TCP") {
  answer_table table = default_table();
  const dns::name big = dn("big.upstream.test.");
  for (int i = 0; i < 40; ++i)
    table.records.push_back(dns::make_a(big, 300, {10, 0, 0, static_cast<std::uint8_t>(i)}));
  hostile_upstream up(table);
  const dns_client c("127.0.0.1", up.port());
  query_spec q = ask("big.upstream.test.");
  q.edns_size.reset();  // 512 bytes
  const auto udp = must_answer(c, q);
  CHECK(udp.msg.header.tc);
  CHECK(udp.wire.size() <= 512);
  q.via = transport::tcp;
  CHECK(must_answer(c, q).msg.answers.size() == 40);
}
