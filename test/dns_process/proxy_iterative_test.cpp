// agora-dns resolving iteratively (--root-hints) through the test's own
// DNS tree (dns_hierarchy.hpp: root, test., three zones, a glueless
// delegation), in a network namespace of the test's own. Skips with one
// line without nsd or without the right to make a namespace.
#include <doctest/doctest.h>

#ifdef AGORA_DNS_BIN

#include "dns_hierarchy.hpp"
#include "net_namespace.hpp"
#include "proxy_fixture.hpp"
#include "required_program.hpp"
#include "resolve/ip_address.hpp"

using namespace dns_process;
using namespace agora::dns;
namespace h = dns_process::hierarchy;

namespace {

/// Runs `check(tree, proxy)` with the tree and agora-dns (its root hints,
/// `toml` as its settings) in a namespace of their own.
template <class F>
void with_resolver(F check, std::string toml = {}) {
  if (const auto why = missing_program("nsd", "nsd")) {
    MESSAGE(*why);
    return;
  }
  const auto r = run_in_net_namespace([&] {
    dns_hierarchy tree;
    proxy_under_test proxy({}, toml, {"--root-hints", tree.root_hints_path().string()});
    check(tree, proxy);
    return true;
  });
  if (!r) MESSAGE(r.error().why);
}

std::vector<std::string> answer_types(const message& m) {
  std::vector<std::string> out;
  for (const auto& rr : m.answers) out.push_back(to_string(rr.type));
  return out;
}

std::optional<std::array<std::uint8_t, 4>> last_a(const message& m) {
  if (m.answers.empty()) return std::nullopt;
  return m.answers.back().a_address();
}

}  // namespace

TEST_CASE("agora-dns iterative: from the root down, through referrals with glue") {
  with_resolver([](dns_hierarchy& tree, proxy_under_test& proxy) {
    const auto r = proxy.client().query(ask("www.example.test."));
    INFO(error_of(r));
    REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::noerror);
    CHECK(r->msg.header.ra);
    REQUIRE(r->msg.answers.size() == 1);
    CHECK(last_a(r->msg) == h::example_www);
    // Cached: answered with the zone's server gone.
    REQUIRE(tree.server(h::example_origin).stop() == 0);
    const auto again = proxy.client().query(ask("www.example.test."));
    REQUIRE(again.ok());
    CHECK(last_a(again->msg) == h::example_www);
  });
}

TEST_CASE("agora-dns iterative: a glueless delegation, its server's name resolved first") {
  with_resolver([](dns_hierarchy&, proxy_under_test& proxy) {
    const auto r = proxy.client().query(ask("www.glueless.test."));
    INFO(error_of(r));
    REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::noerror);
    CHECK(last_a(r->msg) == h::glueless_www);
    // The server's own name was a question like any other: it is cached.
    const auto ns = proxy.client().query(ask(h::glueless_server_name));
    REQUIRE(ns.ok());
    CHECK(last_a(ns->msg) == h::glueless_server_a);
  });
}

TEST_CASE("agora-dns iterative: CNAME chains within a zone and across zones, whole") {
  with_resolver([](dns_hierarchy&, proxy_under_test& proxy) {
    const auto in_zone = proxy.client().query(ask(h::example_chain));
    INFO(error_of(in_zone));
    REQUIRE(in_zone.ok());
    CHECK(answer_types(in_zone->msg) == std::vector<std::string>{"CNAME", "CNAME", "CNAME", "A"});
    CHECK(last_a(in_zone->msg) == h::example_www);
    const auto across = proxy.client().query(ask(h::cross_chain));
    INFO(error_of(across));
    REQUIRE(across.ok());
    CHECK(across->msg.full_rcode() == rcode::noerror);
    CHECK(answer_types(across->msg) == std::vector<std::string>{"CNAME", "CNAME", "A"});
    CHECK(last_a(across->msg) == h::glueless_www);
    CHECK(across->msg.questions[0].qname == name::from_text(h::cross_chain).value());
  });
}

TEST_CASE("agora-dns iterative: NXDOMAIN and NODATA with the zone's SOA") {
  with_resolver([](dns_hierarchy&, proxy_under_test& proxy) {
    const auto nx = proxy.client().query(ask(h::nxdomain_name));
    INFO(error_of(nx));
    REQUIRE(nx.ok());
    CHECK(nx->msg.full_rcode() == rcode::nxdomain);
    REQUIRE(nx->msg.authorities.size() == 1);
    CHECK(nx->msg.authorities[0].type == rr_type::soa);
    CHECK(nx->msg.authorities[0].owner == name::from_text(h::example_origin).value());
    const auto nodata = proxy.client().query(ask(h::nodata_name, h::nodata_type));
    REQUIRE(nodata.ok());
    CHECK(nodata->msg.full_rcode() == rcode::noerror);
    CHECK(nodata->msg.answers.empty());
    CHECK(nodata->msg.authorities.size() == 1);
  });
}

TEST_CASE("agora-dns iterative: the referral budget ends a resolution with SERVFAIL") {
  with_resolver(
      [](dns_hierarchy&, proxy_under_test& proxy) {
        // root -> test. is one referral, test. -> example.test. a second.
        const auto r = proxy.client().query(ask("www.example.test."));
        REQUIRE(r.ok());
        CHECK(r->msg.full_rcode() == rcode::servfail);
        // One referral is enough for a name test. itself serves.
        const auto tld = proxy.client().query(ask("www.test."));
        REQUIRE(tld.ok());
        CHECK(tld->msg.full_rcode() == rcode::noerror);
      },
      "[iterative]\nmax_referrals = 1\n");
}

#endif
