// Test helpers for the resolver's reply logic: records and replies built
// from text names, as an upstream (honest or hostile) would send them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "codec/message.hpp"
#include "dns_bytes.hpp"
#include "resolve/scrub.hpp"

namespace scrub_test {

using dns_test::dn;
using dns_test::decoded;
using dns_test::www_answer;
using dns_test::www_query;

using namespace agora::dns;

inline resource_record a_rr(std::string_view owner, std::array<std::uint8_t, 4> address, std::uint32_t ttl = 300) {
  return make_a(dn(owner), ttl, address);
}
inline resource_record aaaa_rr(std::string_view owner, std::uint8_t last, std::uint32_t ttl = 300) {
  return make_aaaa(dn(owner), ttl, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last});
}
inline resource_record cname_rr(std::string_view owner, std::string_view target, std::uint32_t ttl = 300) {
  return make_name_record(dn(owner), rr_type::cname, ttl, dn(target));
}
inline resource_record dname_rr(std::string_view owner, std::string_view target, std::uint32_t ttl = 300) {
  return make_name_record(dn(owner), rr_type::dname, ttl, dn(target));
}
inline resource_record ns_rr(std::string_view owner, std::string_view target, std::uint32_t ttl = 86400) {
  return make_name_record(dn(owner), rr_type::ns, ttl, dn(target));
}
inline resource_record soa_rr(std::string_view owner, std::uint32_t ttl = 3600) {
  soa_fields f{dn("ns1.example.com."), dn("hostmaster.example.com."), 1, 7200, 3600, 1209600, 300};
  return make_soa(dn(owner), ttl, f);
}

inline question ask(std::string_view qname, rr_type qtype = rr_type::a) { return {dn(qname), qtype}; }

/// A reply to `q`: ID 7, QR, RA, `code`, AA as given.
inline message reply_to(const question& q, rcode code = rcode::noerror, bool aa = true) {
  message m;
  m.header.id = 7;
  m.header.qr = true;
  m.header.aa = aa;
  m.header.ra = true;
  m.questions = {q};
  m.set_rcode(code);
  return m;
}

/// The owners of `records`, as text, in order.
inline std::vector<std::string> owners(const std::vector<resource_record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.owner.to_text());
  return out;
}

inline std::vector<std::string> texts(const std::vector<name>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(n.to_text());
  return out;
}

}  // namespace scrub_test

// Failure messages say "cname", not "1".
template <>
struct doctest::StringMaker<agora::dns::reply_kind> {
  static doctest::String convert(agora::dns::reply_kind k) {
    return doctest::String(std::string(agora::dns::to_string(k)).c_str());
  }
};
