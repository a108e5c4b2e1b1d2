// What the iterative resolver knows of zone cuts (resolve/zone_cuts.hpp).
#include <doctest/doctest.h>

#include <string>

#include "dns_bytes.hpp"
#include "resolve/zone_cuts.hpp"

using namespace agora::dns;
using dns_test::dn;
using namespace std::chrono_literals;

namespace {

ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return ip_address::v4({a, b, c, d}); }

const auto t0 = zone_cuts::clock::time_point{} + 1h;

zone_cuts with_root() { return zone_cuts({{dn("a.root."), {v4(127, 0, 1, 1)}}}); }

}  // namespace

TEST_CASE("zone cuts: the deepest known zone a name is in, the root at least") {
  auto cuts = with_root();
  CHECK(cuts.closest(dn("www.example.test."), t0).zone.is_root());
  cuts.learn({dn("test."), {{dn("ns.test."), {v4(127, 0, 2, 1)}}}}, 3600, t0);
  cuts.learn({dn("example.test."), {{dn("ns1.example.test."), {v4(127, 0, 3, 1)}}}}, 3600, t0);
  CHECK(cuts.closest(dn("www.Example.TEST."), t0).zone == dn("example.test."));
  CHECK(cuts.closest(dn("example.test."), t0).zone == dn("example.test."));
  CHECK(cuts.closest(dn("other.test."), t0).zone == dn("test."));
  CHECK(cuts.closest(dn("xample.test."), t0).zone == dn("test."));  // labels, not characters
  CHECK(cuts.closest(dn("www.example.org."), t0).zone.is_root());
}

TEST_CASE("zone cuts: a referral lasts its TTL (capped), TTL 0 is not kept, the root stays") {
  zone_cuts cuts({{dn("a.root."), {v4(127, 0, 1, 1)}}}, {.max_ttl = 60});
  cuts.learn({dn("test."), {{dn("ns.test."), {v4(127, 0, 2, 1)}}}}, 3600, t0);
  CHECK(cuts.closest(dn("a.test."), t0 + 59s).zone == dn("test."));
  CHECK(cuts.closest(dn("a.test."), t0 + 60s).zone.is_root());
  CHECK(cuts.zones() == 0);
  cuts.learn({dn("test."), {{dn("ns.test."), {}}}}, 0, t0);
  CHECK(cuts.zones() == 0);
  cuts.learn({name::root(), {{dn("evil."), {v4(6, 6, 6, 6)}}}}, 3600, t0);
  const auto& root = cuts.closest(dn("a.test."), t0);
  REQUIRE(root.servers.size() == 1);
  CHECK(root.servers[0].host == dn("a.root."));
}

TEST_CASE("zone cuts: addresses learned for a glueless server fill every zone that names it") {
  auto cuts = with_root();
  cuts.learn({dn("glueless.test."), {{dn("ns.elsewhere.test."), {}}}}, 3600, t0);
  cuts.learn({dn("other.test."), {{dn("NS.elsewhere.test."), {}}, {dn("ns2.other.test."), {v4(1, 2, 3, 4)}}}}, 3600, t0);
  cuts.learn_addresses(dn("ns.elsewhere.test."), {v4(127, 0, 5, 1)});
  CHECK(cuts.closest(dn("www.glueless.test."), t0).servers[0].addresses == std::vector{v4(127, 0, 5, 1)});
  const auto& other = cuts.closest(dn("www.other.test."), t0);
  CHECK(other.servers[0].addresses == std::vector{v4(127, 0, 5, 1)});
  CHECK(other.servers[1].addresses == std::vector{v4(1, 2, 3, 4)});
  // A new referral without glue keeps the addresses known for its servers.
  cuts.learn({dn("glueless.test."), {{dn("ns.elsewhere.test."), {}}}}, 3600, t0 + 1s);
  CHECK(cuts.closest(dn("www.glueless.test."), t0 + 1s).servers[0].addresses == std::vector{v4(127, 0, 5, 1)});
}

TEST_CASE("zone cuts: bounded in zones, servers and addresses") {
  zone_cuts cuts({}, {.max_zones = 3, .servers_per_zone = 2, .addresses_per_server = 1});
  for (int i = 0; i < 5; ++i)
    cuts.learn({dn("z" + std::to_string(i) + ".test."),
                {{dn("a.ns."), {v4(1, 1, 1, 1), v4(2, 2, 2, 2)}}, {dn("b.ns."), {}}, {dn("c.ns."), {}}}},
               3600, t0);
  CHECK(cuts.zones() == 3);
  CHECK(cuts.closest(dn("www.z0.test."), t0).zone.is_root());  // the oldest went
  const auto& z4 = cuts.closest(dn("www.z4.test."), t0);
  CHECK(z4.zone == dn("z4.test."));
  CHECK(z4.servers.size() == 2);
  CHECK(z4.servers[0].addresses.size() == 1);
}
