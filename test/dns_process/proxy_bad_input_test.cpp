// agora-dns and bad queries from clients: dropped (too short, a reply),
// FORMERR, NOTIMP, BADVERS, REFUSED; error replies rate-limited; and after
// all of it, the proxy still answers.
#include <doctest/doctest.h>

#ifdef AGORA_DNS_BIN

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "hostile_upstream.hpp"
#include "proxy_fixture.hpp"

using namespace dns_process;
using namespace agora::dns;
using namespace std::chrono_literals;

namespace {

bytes raw(std::initializer_list<int> b) {
  bytes out;
  for (int x : b) out.push_back(static_cast<std::byte>(x));
  return out;
}

}  // namespace

TEST_CASE("agora-dns: short datagrams and replies get no answer; malformed ones FORMERR with their ID") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  const auto c = proxy.client(400ms);
  CHECK(!c.send_raw(raw({}), transport::udp).ok());
  CHECK(!c.send_raw(raw({1, 2, 3}), transport::udp).ok());
  message reply = make_query(9, name::from_text("www.upstream.test.").value(), rr_type::a);
  reply.header.qr = true;
  CHECK(!c.send_raw(encode(reply), transport::udp).ok());
  // A label of 64 bytes: FORMERR, ID 0xbeef.
  const auto bad = c.send_raw(raw({0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64, 'a'}), transport::udp);
  INFO(error_of(bad));
  REQUIRE(bad.ok());
  const auto m = agora::dns::decode(*bad);
  REQUIRE(m.ok());
  CHECK(m->header.id == 0xbeef);
  CHECK(m->full_rcode() == rcode::formerr);
  // A compression loop in the question over TCP: FORMERR too.
  const auto loop = c.send_raw(raw({0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}), transport::tcp);
  INFO(error_of(loop));
  REQUIRE(loop.ok());
  CHECK(agora::dns::decode(*loop)->full_rcode() == rcode::formerr);
  const auto ok = c.query(ask("www.upstream.test."));
  REQUIRE(ok.ok());
  CHECK(ok->msg.full_rcode() == rcode::noerror);
}

TEST_CASE("agora-dns: NOTIMP for other opcodes, BADVERS for EDNS 1, REFUSED for AXFR") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  const auto c = proxy.client(1000ms);
  message update = make_query(1, name::from_text("upstream.test.").value(), rr_type::soa);
  update.header.opcode = opcode::update;
  const auto u = c.exchange(update, transport::udp);
  REQUIRE(u.ok());
  CHECK(u->msg.full_rcode() == rcode::notimp);
  message v1 = make_query(2, name::from_text("www.upstream.test.").value(), rr_type::a);
  v1.edns->version = 1;
  const auto b = c.exchange(v1, transport::udp);
  REQUIRE(b.ok());
  CHECK(b->msg.full_rcode() == rcode::badvers);
  const auto x = c.exchange(make_query(3, name::from_text("upstream.test.").value(), rr_type::axfr), transport::tcp);
  REQUIRE(x.ok());
  CHECK(x->msg.full_rcode() == rcode::refused);
}

TEST_CASE("agora-dns: error replies are rate-limited, other clients are still served") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, "[clients]\nerror_replies_per_second = 5\n");
  const auto c = proxy.client(200ms);
  message update = make_query(1, name::from_text("upstream.test.").value(), rr_type::soa);
  update.header.opcode = opcode::update;
  int answered = 0;
  for (int i = 0; i < 30; ++i)
    if (c.exchange(update, transport::udp).ok()) ++answered;
  // A burst of 5, plus the 5 a second that 30 exchanges (some timing out
  // after 200 ms) let through.
  CHECK(answered >= 5);
  CHECK(answered < 30);
  const auto ok = proxy.client().query(ask("www.upstream.test."));
  REQUIRE(ok.ok());
  CHECK(ok->msg.full_rcode() == rcode::noerror);
}

#endif
