// What the respondent makes of a client's bytes (proxy/query_intake.hpp):
// drop, an error reply, or a query; each rule with a concrete message.
#include <doctest/doctest.h>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_bytes.hpp"
#include "proxy/query_intake.hpp"

using namespace agora::dns;
using dns_test::dn;

namespace {

std::vector<std::byte> bytes_of(const message& m) { return encode(m); }

message error_of(const intake& in) {
  REQUIRE(std::holds_alternative<intake_error_reply>(in));
  return dns_test::decoded(std::get<intake_error_reply>(in).reply);
}

}  // namespace

TEST_CASE("dns intake: a well-formed query is taken in whole") {
  const message q = make_query(77, dn("Www.Example.com."), rr_type::aaaa);
  auto in = take_in(bytes_of(q), 1232);
  REQUIRE(std::holds_alternative<intake_query>(in));
  CHECK(std::get<intake_query>(in).query == q);
}

TEST_CASE("dns intake: short datagrams and replies are dropped, saying why") {
  const auto empty = take_in({}, 1232);
  REQUIRE(std::holds_alternative<intake_drop>(empty));
  CHECK(std::get<intake_drop>(empty).why == "0 bytes: shorter than a DNS header");
  CHECK(std::holds_alternative<intake_drop>(take_in(dns_test::wire({0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 1232)));
  message reply = make_query(5, dn("a."), rr_type::a);
  reply.header.qr = true;
  const auto r = take_in(bytes_of(reply), 1232);
  REQUIRE(std::holds_alternative<intake_drop>(r));
  CHECK(std::get<intake_drop>(r).why == "a reply (QR set), not a query");
}

TEST_CASE("dns intake: malformed past the header is FORMERR with the client's ID") {
  // A header claiming one question, then the start of a 64-byte label only.
  auto bad = dns_test::wire({0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 64});
  const auto in = take_in(bad, 1232);
  const message e = error_of(in);
  CHECK(e.header.id == 0xabcd);
  CHECK(e.header.qr);
  CHECK(e.full_rcode() == rcode::formerr);
  CHECK(std::get<intake_error_reply>(in).why.starts_with("malformed query: at byte 4: counts"));
}

TEST_CASE("dns intake: several questions, none, or records in a query: FORMERR") {
  message two = make_query(1, dn("a."), rr_type::a);
  two.questions.push_back(two.questions.front());
  CHECK(error_of(take_in(bytes_of(two), 1232)).full_rcode() == rcode::formerr);
  message none = make_query(2, dn("a."), rr_type::a);
  none.questions.clear();
  CHECK(error_of(take_in(bytes_of(none), 1232)).full_rcode() == rcode::formerr);
  message with_answer = make_query(3, dn("a."), rr_type::a);
  with_answer.answers.push_back(make_a(dn("a."), 60, {1, 2, 3, 4}));
  const auto in = take_in(bytes_of(with_answer), 1232);
  CHECK(error_of(in).full_rcode() == rcode::formerr);
  CHECK(std::get<intake_error_reply>(in).why == "records in the answer or authority section of a query");
}

TEST_CASE("dns intake: other opcodes NOTIMP, EDNS version 1 BADVERS, zone transfers REFUSED") {
  message update = make_query(4, dn("a."), rr_type::a);
  update.header.opcode = opcode::update;
  CHECK(error_of(take_in(bytes_of(update), 1232)).full_rcode() == rcode::notimp);
  message v1 = make_query(5, dn("a."), rr_type::a);
  v1.edns->version = 1;
  const message bv = error_of(take_in(bytes_of(v1), 1232));
  CHECK(bv.full_rcode() == rcode::badvers);
  REQUIRE(bv.edns);
  CHECK(bv.edns->udp_payload_size == 1232);
  CHECK(error_of(take_in(bytes_of(make_query(6, dn("example."), rr_type::axfr)), 1232)).full_rcode() ==
        rcode::refused);
  CHECK(error_of(take_in(bytes_of(make_query(7, dn("example."), rr_type::ixfr)), 1232)).full_rcode() ==
        rcode::refused);
}
