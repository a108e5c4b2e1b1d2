// nsd serves the generated zone to the native client (dns_client), over UDP
// and TCP: each record kind with its TTL, the CNAME chain, NXDOMAIN and
// NODATA with the SOA, the referrals (with glue and glueless), and the big
// TXT, truncated over UDP and whole over TCP.
#include <doctest/doctest.h>

#include "codec/record.hpp"
#include "dns_client.hpp"
#include "nsd_serving.hpp"

using namespace dns_process;
namespace dns = agora::dns;
using dns::rr_type;

namespace {

dns::name dn(const std::string& text) { return dns::name::from_text(text).value(); }

dns_reply must_answer(const dns_client& c, const query_spec& q) {
  auto r = c.query(q);
  INFO("query ", q.name, " over ", to_string(q.via));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  return std::move(*r);
}

}  // namespace

TEST_CASE("nsd + dns_client: A, AAAA, TXT, MX, CNAME and generated hosts with their TTLs, over UDP and TCP") {
  const auto nsd = start_nsd();
  if (!nsd) return;
  const zone_spec spec = test_zone();
  const dns_client c(nsd->address(), nsd->port());
  for (const transport via : {transport::udp, transport::tcp}) {
    CAPTURE(to_string(via));
    query_spec www = ask("www.example.test.", rr_type::a, via);
    www.id = 0xbeef;
    const auto a = must_answer(c, www);
    CHECK(a.msg.header.id == 0xbeef);
    CHECK(a.msg.header.qr);
    CHECK(a.msg.header.aa);
    CHECK(a.msg.header.rd);  // copied from the query
    CHECK(!a.msg.header.tc);
    CHECK(a.msg.full_rcode() == dns::rcode::noerror);
    REQUIRE(a.msg.answers.size() == 1);
    CHECK(a.msg.answers[0].ttl == spec.default_ttl);
    CHECK(a.msg.answers[0].a_address() == www_a);

    const auto aaaa = must_answer(c, ask("www.example.test.", rr_type::aaaa, via));
    REQUIRE(aaaa.msg.answers.size() == 1);
    CHECK(aaaa.msg.answers[0].aaaa_address() == www_aaaa);

    const auto txt = must_answer(c, ask("txt.example.test.", rr_type::txt, via));
    REQUIRE(txt.msg.answers.size() == 1);
    CHECK(txt.msg.answers[0].ttl == txt_ttl);
    CHECK(txt.msg.answers[0].rdata == txt_rdata({txt_text}));

    const auto mx = must_answer(c, ask("example.test.", rr_type::mx, via));
    REQUIRE(mx.msg.answers.size() == 1);
    REQUIRE(mx.msg.answers[0].mx());
    CHECK(mx.msg.answers[0].mx()->preference == mx_preference);
    CHECK(mx.msg.answers[0].mx()->exchange == dn("mail.example.test."));

    const auto alias = must_answer(c, ask("alias.example.test.", rr_type::a, via));
    REQUIRE(alias.msg.answers.size() == 2);
    CHECK(alias.msg.answers[0].type == rr_type::cname);
    CHECK(alias.msg.answers[0].target_name() == dn("www.example.test."));
    CHECK(alias.msg.answers[1].owner == dn("www.example.test."));
    CHECK(alias.msg.answers[1].a_address() == www_a);

    const auto h4 = must_answer(c, ask("h4.example.test.", rr_type::a, via));
    REQUIRE(h4.msg.answers.size() == 1);
    CHECK(h4.msg.answers[0].ttl == spec.host_ttl);
    CHECK(h4.msg.answers[0].a_address() == host_address(4));
  }
}

TEST_CASE("nsd + dns_client: the CNAME chain, NXDOMAIN and NODATA with the SOA's TTL and minimum") {
  const auto nsd = start_nsd();
  if (!nsd) return;
  const zone_spec spec = test_zone();
  const dns_client c(nsd->address(), nsd->port());

  const auto chain = must_answer(c, ask("chain0.example.test."));
  REQUIRE(chain.msg.answers.size() == spec.cname_chain + 1);
  CHECK(chain.msg.answers[0].target_name() == dn("chain1.example.test."));
  CHECK(chain.msg.answers[2].target_name() == dn("www.example.test."));
  CHECK(chain.msg.answers[3].a_address() == www_a);

  const auto nx = must_answer(c, ask("nope.example.test."));
  CHECK(nx.msg.full_rcode() == dns::rcode::nxdomain);
  CHECK(nx.msg.answers.empty());
  REQUIRE(nx.msg.authorities.size() == 1);
  REQUIRE(nx.msg.authorities[0].soa());
  CHECK(nx.msg.authorities[0].soa()->minimum == spec.soa_minimum);
  // NSD gives the SOA in negative answers min(its TTL, MINIMUM) (RFC 2308 §3).
  CHECK(nx.msg.authorities[0].ttl == std::min(spec.soa_ttl, spec.soa_minimum));

  const auto nodata = must_answer(c, ask("www.example.test.", rr_type::txt));
  CHECK(nodata.msg.full_rcode() == dns::rcode::noerror);
  CHECK(nodata.msg.answers.empty());
  REQUIRE(nodata.msg.authorities.size() == 1);
  CHECK(nodata.msg.authorities[0].type == rr_type::soa);
}

TEST_CASE("nsd + dns_client: referrals to the child zone (with glue) and to the glueless one") {
  const auto nsd = start_nsd();
  if (!nsd) return;
  const dns_client c(nsd->address(), nsd->port());

  const auto glued = must_answer(c, ask("www.child.example.test."));
  CHECK(!glued.msg.header.aa);
  CHECK(glued.msg.answers.empty());
  REQUIRE(glued.msg.authorities.size() == 1);
  CHECK(glued.msg.authorities[0].type == rr_type::ns);
  CHECK(glued.msg.authorities[0].owner == dn("child.example.test."));
  CHECK(glued.msg.authorities[0].target_name() == dn("ns.child.example.test."));
  REQUIRE(glued.msg.additionals.size() == 1);
  CHECK(glued.msg.additionals[0].owner == dn("ns.child.example.test."));
  CHECK(glued.msg.additionals[0].a_address() == std::array<std::uint8_t, 4>{127, 0, 0, 1});

  const auto glueless = must_answer(c, ask("www.glueless.example.test."));
  CHECK(!glueless.msg.header.aa);
  REQUIRE(glueless.msg.authorities.size() == 1);
  CHECK(glueless.msg.authorities[0].target_name() == dn("ns.elsewhere.test."));
  CHECK(glueless.msg.additionals.empty());
}

TEST_CASE("nsd + dns_client: the big TXT sets TC over UDP (EDNS 1232 and none) and comes whole over TCP") {
  const auto nsd = start_nsd();
  if (!nsd) return;
  const zone_spec spec = test_zone();
  const dns_client c(nsd->address(), nsd->port());

  const auto udp = must_answer(c, ask("big.example.test.", rr_type::txt));
  CHECK(udp.msg.header.tc);
  CHECK(udp.wire.size() <= 1232);
  CHECK(udp.msg.answers.empty());

  query_spec plain = ask("big.example.test.", rr_type::txt);
  plain.edns_size.reset();
  const auto udp512 = must_answer(c, plain);
  CHECK(udp512.msg.header.tc);
  CHECK(udp512.wire.size() <= 512);

  const auto tcp = must_answer(c, ask("big.example.test.", rr_type::txt, transport::tcp));
  CHECK(!tcp.msg.header.tc);
  CHECK(tcp.wire.size() > 1232);
  REQUIRE(tcp.msg.answers.size() == 1);
  CHECK(tcp.msg.answers[0].rdata == txt_rdata(big_txt_strings(spec)));
}

TEST_CASE("nsd + dns_client: two zones in one nsd, and a stopped nsd no longer answers") {
  if (const auto why = missing_program("nsd", "nsd")) {
    MESSAGE(*why);
    return;
  }
  zone_spec one = test_zone();
  zone_spec two = test_zone();
  two.origin = "other.test.";
  two.delegations.clear();
  nsd_server nsd({{one.origin, zone_text(one)}, {two.origin, zone_text(two)}});
  const dns_client c(nsd.address(), nsd.port(), std::chrono::milliseconds(300));
  const auto other = must_answer(c, ask("h1.other.test."));
  REQUIRE(other.msg.answers.size() == 1);
  CHECK(other.msg.answers[0].a_address() == host_address(1));
  CHECK(must_answer(c, ask("h1.example.test.")).msg.answers.size() == 1);

  const auto dir = nsd.dir();
  CHECK(std::filesystem::exists(dir / "nsd.conf"));
  CHECK(nsd.stop() == 0);  // SIGTERM: a clean exit
  const auto after = c.query(ask("h1.other.test."));
  REQUIRE(!after.ok());
  CHECK(after.error().find("timeout") == std::string::npos);  // refused at once, not silence
}
