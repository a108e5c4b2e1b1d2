// resource_record: RFC 2181's TTL rule, the typed accessors and builders.
#include <doctest/doctest.h>

#include "codec/record.hpp"
#include "dns_bytes.hpp"

using namespace agora::dns;
using dns_test::dn;

TEST_CASE("dns record: TTLs above 2^31 - 1 are taken as 0 (RFC 2181 §8)") {
  CHECK(effective_ttl(0) == 0);
  CHECK(effective_ttl(3600) == 3600);
  CHECK(effective_ttl(0x7fffffff) == 0x7fffffff);
  CHECK(effective_ttl(0x80000000) == 0);
  CHECK(effective_ttl(0xffffffff) == 0);
  resource_record rr = make_a(dn("a."), 0xffffffff, {1, 2, 3, 4});
  CHECK(rr.ttl == 0xffffffff);  // kept as on the wire
  CHECK(rr.effective_ttl() == 0);
}

TEST_CASE("dns record: accessors read their own type only") {
  const auto a = make_a(dn("a."), 1, {192, 0, 2, 1});
  CHECK(a.a_address() == std::array<std::uint8_t, 4>{192, 0, 2, 1});
  CHECK(!a.aaaa_address());
  CHECK(!a.target_name());
  CHECK(!a.soa());
  std::array<std::uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  const auto aaaa = make_aaaa(dn("a."), 1, v6);
  CHECK(aaaa.aaaa_address() == v6);
  CHECK(!aaaa.a_address());
  for (rr_type t : {rr_type::cname, rr_type::ns, rr_type::ptr, rr_type::dname}) {
    const auto rr = make_name_record(dn("a."), t, 1, dn("Target.Example."));
    CHECK(rr.target_name()->same_spelling(dn("Target.Example.")));
    CHECK(!rr.mx());
  }
  CHECK_THROWS_AS(make_name_record(dn("a."), rr_type::mx, 1, dn("b.")), std::invalid_argument);
  const auto mx = make_mx(dn("a."), 1, {20, dn("mx.a.")});
  CHECK(mx.mx() == mx_fields{20, dn("mx.a.")});
  CHECK(mx.target_name()->same_spelling(dn("mx.a.")));
  const auto srv = make_srv(dn("_x._tcp.a."), 1, {1, 2, 443, dn("h.a.")});
  CHECK(srv.srv() == srv_fields{1, 2, 443, dn("h.a.")});
  CHECK(srv.target_name()->same_spelling(dn("h.a.")));
  const soa_fields fields{dn("ns.a."), dn("admin.a."), 1, 2, 3, 4, 0xfffffffe};
  const auto soa = make_soa(dn("a."), 1, fields);
  CHECK(soa.soa() == fields);
  CHECK(soa.soa()->minimum == 0xfffffffe);
  CHECK(soa.rdata.size() == 6 + 9 + 20);
  CHECK(!soa.target_name());
}

TEST_CASE("dns record: accessors refuse rdata that does not fit the type") {
  auto a = make_a(dn("a."), 1, {1, 2, 3, 4});
  a.rdata.pop_back();
  CHECK(!a.a_address());
  auto mx = make_mx(dn("a."), 1, {1, dn("b.")});
  mx.rdata.push_back(std::byte{0});
  CHECK(!mx.mx());
  CHECK(!mx.target_name());
  auto soa = make_soa(dn("a."), 1, {dn("b."), dn("c."), 1, 2, 3, 4, 5});
  soa.rdata.pop_back();
  CHECK(!soa.soa());
}
