// agora-dns forwarding to nsd: answers as nsd gives them, cached (TTLs
// counting down, still served with nsd gone), negative answers cached from
// the SOA, UDP and TCP, truncation and dig as the client.
#include <doctest/doctest.h>

#ifdef AGORA_DNS_BIN

#include <thread>

#include "dig.hpp"
#include "nsd_serving.hpp"
#include "proxy_fixture.hpp"

using namespace dns_process;
using namespace agora::dns;
using namespace std::chrono_literals;

namespace {

std::array<std::uint8_t, 4> first_a(const message& m) {
  for (const auto& r : m.answers)
    if (auto a = r.a_address()) return *a;
  return {};
}

}  // namespace

TEST_CASE("agora-dns forwards to nsd and answers from its cache, TTLs counting down, nsd gone") {
  auto nsd = start_nsd();
  if (!nsd) return;
  proxy_under_test proxy({fmt::format("127.0.0.1:{}", nsd->port())});
  const auto c = proxy.client();

  const auto first = c.query(ask("www.example.test."));
  INFO(error_of(first));
  REQUIRE(first.ok());
  const message& m = first->msg;
  CHECK(m.header.qr);
  CHECK(m.header.ra);
  CHECK(!m.header.aa);  // a cache, not the authority
  CHECK(m.full_rcode() == rcode::noerror);
  REQUIRE(m.answers.size() == 1);
  CHECK(first_a(m) == www_a);
  const std::uint32_t ttl0 = m.answers[0].ttl;
  CHECK(ttl0 <= 3600);
  CHECK(ttl0 >= 3598);

  std::this_thread::sleep_for(2100ms);
  REQUIRE(nsd->stop() == 0);
  const auto again = c.query(ask("WWW.example.TEST."));
  INFO(error_of(again));
  REQUIRE(again.ok());
  REQUIRE(again->msg.answers.size() == 1);
  CHECK(first_a(again->msg) == www_a);
  CHECK(again->msg.answers[0].ttl <= ttl0 - 2);
  CHECK(again->msg.answers[0].ttl >= ttl0 - 4);
  // The question as the client spelled it.
  CHECK(again->msg.questions[0].qname.same_spelling(name::from_text("WWW.example.TEST.").value()));
}

TEST_CASE("agora-dns caches NXDOMAIN and NODATA for the SOA's minimum, with the SOA") {
  auto nsd = start_nsd();
  if (!nsd) return;
  proxy_under_test proxy({fmt::format("127.0.0.1:{}", nsd->port())});
  const auto c = proxy.client();
  const auto nx = c.query(ask("nowhere.example.test."));
  INFO(error_of(nx));
  REQUIRE(nx.ok());
  CHECK(nx->msg.full_rcode() == rcode::nxdomain);
  REQUIRE(nx->msg.authorities.size() == 1);
  CHECK(nx->msg.authorities[0].type == rr_type::soa);
  CHECK(nx->msg.authorities[0].ttl <= 300);
  const auto nodata = c.query(ask("www.example.test.", rr_type::mx));
  REQUIRE(nodata.ok());
  CHECK(nodata->msg.full_rcode() == rcode::noerror);
  CHECK(nodata->msg.answers.empty());
  REQUIRE(nodata->msg.authorities.size() == 1);

  REQUIRE(nsd->stop() == 0);
  const auto nx2 = c.query(ask("nowhere.example.test."));
  REQUIRE(nx2.ok());
  CHECK(nx2->msg.full_rcode() == rcode::nxdomain);
  const auto nodata2 = c.query(ask("www.example.test.", rr_type::mx));
  REQUIRE(nodata2.ok());
  CHECK(nodata2->msg.full_rcode() == rcode::noerror);
  CHECK(nodata2->msg.authorities.size() == 1);
}

TEST_CASE("agora-dns over TCP, and a big answer truncated over UDP, whole over TCP") {
  auto nsd = start_nsd();
  if (!nsd) return;
  proxy_under_test proxy({fmt::format("127.0.0.1:{}", nsd->port())});
  const auto c = proxy.client();
  const auto tcp = c.query(ask("mail.example.test.", rr_type::a, transport::tcp));
  INFO(error_of(tcp));
  REQUIRE(tcp.ok());
  CHECK(first_a(tcp->msg) == mail_a);

  const auto udp = c.query(ask("big.example.test.", rr_type::txt));
  INFO(error_of(udp));
  REQUIRE(udp.ok());
  CHECK(udp->msg.header.tc);
  CHECK(udp->wire.size() <= 1232);
  const auto whole = c.query(ask("big.example.test.", rr_type::txt, transport::tcp));
  INFO(error_of(whole));
  REQUIRE(whole.ok());
  CHECK(!whole->msg.header.tc);
  REQUIRE(whole->msg.answers.size() == 1);
  CHECK(whole->msg.answers[0].rdata == txt_rdata(big_txt_strings(test_zone())));
}

TEST_CASE("agora-dns answers dig, CNAME chains whole") {
  auto nsd = start_nsd();
  if (!nsd) return;
  if (const auto why = missing_program("dig", "bind9-dnsutils")) {
    MESSAGE(*why);
    return;
  }
  proxy_under_test proxy({fmt::format("127.0.0.1:{}", nsd->port())});
  const auto d = run_dig("127.0.0.1", proxy.port, "chain0.example.test.", "A", {});
  CAPTURE(d.output);
  CHECK(d.status == "NOERROR");
  CHECK(d.has_flag("ra"));
  REQUIRE(d.answer.size() == 4);  // chain0 -> chain1 -> chain2 -> www
  CHECK(d.answer.back().type == "A");
  CHECK(d.answer.back().data == "192.0.2.1");
  dig_options over_tcp;
  over_tcp.tcp = true;
  const auto t = run_dig("127.0.0.1", proxy.port, "www.example.test.", "AAAA", over_tcp);
  CHECK(t.status == "NOERROR");
  CHECK(t.over_tcp());
  REQUIRE(t.answer.size() == 1);
  CHECK(t.answer[0].data == "2001:db8::1");
}

#endif
