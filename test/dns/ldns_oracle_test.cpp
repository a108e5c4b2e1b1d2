// ldns (Debian's libldns-dev) as a test oracle for the decoder: what agora
// accepts, ldns accepts too (but for rdata of types agora keeps opaque,
// such as TXT, whose inner structure ldns checks); the torture cases both
// refuse; the cases ldns lets through (notes: an A with rdlength 5,
// trailing bytes) agora refuses (trailing bytes only when asked to).
// Skipped, saying so, without ldns (scripts/bootstrap.sh --test installs it).
#include <doctest/doctest.h>

#include <random>

#include "codec/decode.hpp"
#include "codec/rdata_layout.hpp"
#include "dns_bytes.hpp"

#if AGORA_HAVE_LDNS
// After the C++ headers: ldns's headers break <optional>'s operator<=>
// (C's bool) when they come first.
#include <ldns/ldns.h>
#endif

using namespace agora::dns;
using dns_test::append;
using dns_test::bytes;
using dns_test::wire;

#if AGORA_HAVE_LDNS

namespace {

bool ldns_accepts(const bytes& b) {
  ldns_pkt* packet = nullptr;
  const ldns_status status =
      ldns_wire2pkt(&packet, reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
  if (packet) ldns_pkt_free(packet);
  return status == LDNS_STATUS_OK;
}

/// Every record of a type whose rdata agora looks into (ldns checks the
/// inner structure of more types than agora, e.g. TXT's strings).
bool only_known_types(const message& m) {
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& rr : *section)
      if (!layout_of(rr.type)) return false;
  return true;
}

std::vector<bytes> valid_messages() {
  return {dns_test::www_query(), dns_test::www_answer(), dns_test::nxdomain_answer(),
          dns_test::mx_answer()};
}

}  // namespace

TEST_CASE("dns ldns oracle: the hand-written messages are valid for ldns too") {
  for (const bytes& b : valid_messages()) {
    CHECK(decode(b));
    CHECK(ldns_accepts(b));
  }
}

TEST_CASE("dns ldns oracle: what agora accepts among mutated messages, ldns accepts") {
  std::mt19937 random(20261201);
  int accepted = 0, compared = 0;
  for (const bytes& original : valid_messages()) {
    for (int i = 0; i < 3000; ++i) {
      bytes b = original;
      const int flips = 1 + static_cast<int>(random() % 3);
      for (int k = 0; k < flips; ++k) b[random() % b.size()] = static_cast<std::byte>(random());
      const auto r = decode(b);
      if (!r) continue;
      ++accepted;
      if (!only_known_types(*r)) continue;
      ++compared;
      CHECK_MESSAGE(ldns_accepts(b), "mutation ", i, " of a ", original.size(), "-byte message");
    }
  }
  MESSAGE(accepted, " mutations decoded, ", compared, " compared with ldns");
  CHECK(compared > 1000);
}

TEST_CASE("dns ldns oracle: torture cases refused by both") {
  auto with = [](std::initializer_list<dns_test::piece> name_bytes) {
    bytes b = dns_test::header_bytes(1, 0, 1, 0, 0, 0);
    append(b, wire(name_bytes));
    append(b, wire({0, 1, 0, 1}));
    return b;
  };
  bytes long_name = dns_test::header_bytes(1, 0, 1, 0, 0, 0);
  for (int i = 0; i < 5; ++i) {  // 5 labels of 63: 321 bytes
    append(long_name, wire({63}));
    append(long_name, bytes(63, std::byte{'x'}));
  }
  append(long_name, wire({0, 0, 1, 0, 1}));
  for (const bytes& b : {with({0xc0, 12}), with({1, "a", 0xc0, 12}), with({0xc0, 0xff}),
                         with({0x40, "x", 0}), long_name}) {
    CHECK(!decode(b));
    CHECK(!ldns_accepts(b));
  }
}

TEST_CASE("dns ldns oracle: agora refuses what ldns lets through") {
  bytes a5 = dns_test::header_bytes(1, 0x8000, 1, 1, 0, 0);
  append(a5, wire({1, "a", 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1, 9}));
  CHECK(!decode(a5));
  MESSAGE("ldns ", ldns_accepts(a5) ? "accepts" : "refuses", " an A record with rdlength 5");
  bytes trailing = dns_test::www_query();
  append(trailing, wire({0xde, 0xad}));
  CHECK(decode(trailing));  // the default, as NSD and unbound
  CHECK(!decode(trailing, {.trailing = trailing_data::refuse}));
  MESSAGE("ldns ", ldns_accepts(trailing) ? "accepts" : "refuses", " trailing bytes");
}

#else

TEST_CASE("dns ldns oracle: skipped") {
  MESSAGE("ldns (libldns-dev) is not installed: the oracle tests are skipped "
          "(scripts/bootstrap.sh --test installs it)");
}

#endif
