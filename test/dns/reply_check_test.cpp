// reply_mismatch: a datagram is a reply to our query only with QR, opcode
// QUERY, our ID and our question byte for byte (RFC 5452 §9.1).
#include <doctest/doctest.h>

#include "codec/query.hpp"
#include "resolve/reply_check.hpp"
#include "scrub_records.hpp"

using namespace agora::dns;
using namespace scrub_test;

namespace {

message reply_for(const message& query) {
  message reply = query;
  reply.header.qr = true;
  reply.header.ra = true;
  reply.answers.push_back(a_rr("www.example.com.", {192, 0, 2, 1}));
  return reply;
}

}  // namespace

TEST_CASE("reply check: the reply to our query matches") {
  const message query = make_query(0x4242, dn("www.example.com."), rr_type::a);
  CHECK(reply_mismatch(query, reply_for(query)) == std::nullopt);
  // As they come off the wire (the codec's shared answer to its shared query).
  CHECK(reply_mismatch(decoded(www_query()), decoded(www_answer())) == std::nullopt);
}

TEST_CASE("reply check: a query (QR clear) is not a reply") {
  const message query = make_query(1, dn("www.example.com."), rr_type::a);
  message reply = reply_for(query);
  reply.header.qr = false;
  CHECK(reply_mismatch(query, reply) == "QR is not set: a query, not a reply");
}

TEST_CASE("reply check: another opcode does not match") {
  const message query = make_query(1, dn("www.example.com."), rr_type::a);
  message reply = reply_for(query);
  reply.header.opcode = opcode::notify;
  CHECK(reply_mismatch(query, reply) == "opcode NOTIFY (expected QUERY)");
}

TEST_CASE("reply check: a wrong ID does not match") {
  const message query = make_query(0x1234, dn("www.example.com."), rr_type::a);
  message reply = reply_for(query);
  reply.header.id = 0x1235;
  CHECK(reply_mismatch(query, reply) == "ID 4661 (expected 4660)");
}

TEST_CASE("reply check: a wrong question does not match (name, 0x20 case, type, class, none)") {
  const name sent = dn("wWw.ExAmple.com.");
  const message query = make_query(9, sent, rr_type::a);
  message reply = reply_for(query);

  reply.questions[0].qname = dn("evil.example.com.");
  CHECK(reply_mismatch(query, reply) ==
        "the reply's question is for evil.example.com., the query's for wWw.ExAmple.com.");

  reply.questions[0].qname = dn("www.example.com.");  // the same name, not the case we sent
  CHECK(reply_mismatch(query, reply) ==
        "the reply's question is for www.example.com., the query's for wWw.ExAmple.com.");

  reply.questions[0].qname = sent;
  reply.questions[0].qtype = rr_type::aaaa;
  CHECK(reply_mismatch(query, reply) == "the reply's question is IN AAAA, the query's IN A");

  reply.questions[0].qtype = rr_type::a;
  reply.questions[0].qclass = rr_class::ch;
  CHECK(reply_mismatch(query, reply) == "the reply's question is CH A, the query's IN A");

  reply.questions.clear();  // some servers' FORMERR
  reply.set_rcode(rcode::formerr);
  CHECK(reply_mismatch(query, reply) == "the reply has 0 questions (must be 1)");

  reply.questions = {query.questions[0], query.questions[0]};
  CHECK(reply_mismatch(query, reply) == "the reply has 2 questions (must be 1)");
}
