// Error replies to queries of several questions (proxy/query_intake.hpp),
// found by fuzz/fuzz_dns_intake.cpp: they echoed every question, written
// out in full (the encoder always writes the questions), so a FORMERR or
// NOTIMP went past the client's UDP limit: 512 bytes without EDNS.
#include <doctest/doctest.h>

#include <string>

#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_bytes.hpp"
#include "proxy/query_intake.hpp"

using namespace agora::dns;
using dns_test::dn;

namespace {

/// A 255-octet name: four labels of 63, 63, 63 and 61 bytes, the last one
/// of `last` letters (so names of different `last` share no suffix).
name longest_name(char last = 'x') {
  std::string text;
  for (int len : {63, 63, 63}) text += std::string(static_cast<std::size_t>(len), 'x') + ".";
  return dn(text + std::string(61, last) + ".");
}

const intake_error_reply& error_reply_of(const intake& in) {
  REQUIRE(std::holds_alternative<intake_error_reply>(in));
  return std::get<intake_error_reply>(in);
}

}  // namespace

TEST_CASE("dns intake: FORMERR for three long questions without EDNS fits 512 bytes, with no question") {
  message three = make_query(0x2222, longest_name(), rr_type::a, {.edns_size = std::nullopt});
  three.questions.push_back({longest_name('y'), rr_type::aaaa, rr_class::in});
  three.questions.push_back({longest_name('z'), rr_type::mx, rr_class::in});
  const auto wire = encode(three, {.compress = false});
  REQUIRE(wire.size() > classic_udp_size);  // as the client sent it (over TCP, say)
  const intake in = take_in(wire, 1232);
  const auto& e = error_reply_of(in);
  CHECK(e.reply.size() <= classic_udp_size);
  const message reply = dns_test::decoded(e.reply);
  CHECK(reply.header.id == 0x2222);
  CHECK(reply.full_rcode() == rcode::formerr);
  CHECK(reply.questions.empty());
  CHECK_FALSE(reply.edns);
  CHECK(e.why == "3 questions (one is wanted)");
}

TEST_CASE("dns intake: 600 compressed questions get a FORMERR of a header and an OPT within the UDP limit") {
  // One 255-octet name, then 599 questions that are each a pointer to it:
  // about 4 KB on the wire, about 155 KB once written out.
  dns_test::bytes wire = dns_test::header_bytes(0x4321, 0x0100, 600, 0, 0, 1);
  const name first = longest_name();
  for (std::uint8_t b : first.wire()) wire.push_back(static_cast<std::byte>(b));
  dns_test::append(wire, dns_test::wire({0, 1, 0, 1}));
  for (int i = 1; i < 600; ++i) dns_test::append(wire, dns_test::wire({0xc0, 12, 0, 1, 0, 1}));
  dns_test::append(wire, dns_test::wire({0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0}));  // OPT, 4096
  REQUIRE(wire.size() < 4096);
  const intake in = take_in(wire, 1232);
  const auto& e = error_reply_of(in);
  CHECK(e.reply.size() <= 1232);  // the client's 4096, capped at ours
  const message reply = dns_test::decoded(e.reply);
  CHECK(reply.header.id == 0x4321);
  CHECK(reply.full_rcode() == rcode::formerr);
  CHECK(reply.questions.empty());
  CHECK(e.why == "600 questions (one is wanted)");
  REQUIRE(reply.edns);
  CHECK(reply.edns->udp_payload_size == 1232);
  CHECK(e.reply.size() == header_size + 11);
}

TEST_CASE("dns intake: NOTIMP for an unknown opcode with two questions carries neither") {
  message notify = make_query(9, longest_name(), rr_type::soa, {.edns_size = std::nullopt});
  notify.header.opcode = opcode::notify;
  notify.questions.push_back({longest_name('y'), rr_type::soa, rr_class::in});
  notify.questions.push_back({longest_name('z'), rr_type::soa, rr_class::in});
  const intake in = take_in(encode(notify), 1232);
  const auto& e = error_reply_of(in);
  CHECK(e.reply.size() <= classic_udp_size);
  const message reply = dns_test::decoded(e.reply);
  CHECK(reply.full_rcode() == rcode::notimp);
  CHECK(reply.header.opcode == opcode::notify);
  CHECK(reply.questions.empty());
}

TEST_CASE("dns intake: an error reply to one question still carries it, as the client spelled it") {
  message q = make_query(10, dn("WwW.Example.COM."), rr_type::a);
  q.header.opcode = opcode::status;
  const intake in = take_in(encode(q), 1232);
  const message reply = dns_test::decoded(error_reply_of(in).reply);
  REQUIRE(reply.questions.size() == 1);
  CHECK(reply.questions[0].qname.same_spelling(dn("WwW.Example.COM.")));
}
