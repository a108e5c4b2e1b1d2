// agora::dns::name: text form and its errors, wire form, labels, parent,
// case-insensitive comparison, the cache key and the bailiwick check.
#include <doctest/doctest.h>

#include <string>
#include <unordered_set>

#include "codec/name.hpp"
#include "dns_bytes.hpp"

using agora::dns::name;
using dns_test::dn;

namespace {

std::string text_error(std::string_view text) {
  auto r = name::from_text(text);
  REQUIRE_MESSAGE(!r, text);
  return r.error().describe();
}

}  // namespace

TEST_CASE("dns name: text round trips, with and without the final dot") {
  CHECK(dn("www.example.com.").to_text() == "www.example.com.");
  CHECK(dn("www.example.com").to_text() == "www.example.com.");
  CHECK(dn(".").to_text() == ".");
  CHECK(dn(".").is_root());
  CHECK(name().is_root());
  CHECK(dn("WwW.ExAmPlE.CoM.").to_text() == "WwW.ExAmPlE.CoM.");  // case kept
  CHECK(dn("www.example.com.").wire_length() == 17);
  CHECK(dn("www.example.com.").label_count() == 3);
  CHECK(dn(".").label_count() == 0);
  CHECK(dn("www.example.com.").label(0) == "www");
  CHECK(dn("www.example.com.").label(2) == "com");
}

TEST_CASE("dns name: escapes in text, and odd bytes printed as escapes") {
  const name dotted = dn("a\\.b.example.");
  CHECK(dotted.label_count() == 2);
  CHECK(dotted.label(0) == "a.b");
  CHECK(dotted.to_text() == "a\\.b.example.");
  const name odd = dn("\\000\\255\\032x\\\\y.");
  CHECK(odd.label(0) == std::string_view("\0\xff x\\y", 6));
  CHECK(odd.to_text() == "\\000\\255\\032x\\\\y.");
  CHECK(dn("\\(\\)\\;\\@\\$\\\".").to_text() == "\\(\\)\\;\\@\\$\\\".");
  CHECK(dn("\\a\\b.").to_text() == "ab.");  // "\X" is X
  for (const auto* text : {"a\\.b.example.", "\\000\\255\\032x\\\\y.", "x\\(y\\).z."})
    CHECK(dn(dn(text).to_text()).same_spelling(dn(text)));
}

TEST_CASE("dns name: text that is not a name is refused with where and why") {
  CHECK(text_error("") == "at character 0: empty name (the root is \".\")");
  CHECK(text_error("a..b") == "at character 2: empty label");
  CHECK(text_error(".a") == "at character 0: empty label");
  CHECK(text_error("a.b..") == "at character 4: empty label");
  CHECK(text_error("ab\\") == "at character 2: a backslash ends the name");
  CHECK(text_error("a\\25") == "at character 1: \\DDD needs three digits");
  CHECK(text_error("a\\2x5") == "at character 1: \\DDD needs three digits");
  CHECK(text_error("a\\256") == "at character 1: \\256 is over 255");
  CHECK(text_error(std::string(64, 'x') + ".com") == "at character 0: label longer than 63 bytes");
  CHECK(name::from_text(std::string(63, 'x') + ".com"));
  // 63 + 63 + 63 + 61 and 4 length bytes and the root: 255 exactly.
  const std::string l63(63, 'a');
  const std::string longest = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b') + ".";
  REQUIRE(name::from_text(longest));
  CHECK(dn(longest).wire_length() == 255);
  CHECK(text_error(l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b') + ".") ==
        "at character 253: name longer than 255 bytes");
}

TEST_CASE("dns name: the wire form must be exactly one uncompressed name") {
  const auto ok = dns_test::wire({3, "www", 0});
  auto wire_of = [](const dns_test::bytes& b) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
  };
  CHECK(name::from_wire(wire_of(ok))->to_text() == "www.");
  CHECK(!name::from_wire(wire_of(dns_test::wire({3, "www", 0, 0}))));     // a byte after the root
  CHECK(!name::from_wire(wire_of(dns_test::wire({3, "www"}))));           // no root label
  CHECK(!name::from_wire(wire_of(dns_test::wire({3, "ww"}))));            // label cut off
  CHECK(!name::from_wire(wire_of(dns_test::wire({0xc0, 12}))));           // a pointer
  CHECK(!name::from_wire(wire_of(dns_test::wire({0x40}))));               // label type 0x40
  CHECK(!name::from_wire(wire_of({})));
}

TEST_CASE("dns name: compared and hashed without case, spelled with it") {
  CHECK(dn("WWW.Example.COM.") == dn("www.example.com"));
  CHECK(dn("WWW.Example.COM.").hash() == dn("www.example.com").hash());
  CHECK(!dn("WWW.Example.COM.").same_spelling(dn("www.example.com")));
  CHECK(dn("www.example.com").same_spelling(dn("www.example.com.")));
  CHECK(dn("www.example.com.") != dn("www.example.org."));
  CHECK(dn("a.b.") != dn("ab."));  // same letters, other labels
  CHECK(dn("WwW.ExAmPlE.cOm.").canonical_key() == dn("www.example.com.").canonical_key());
  CHECK(dn("WwW.ExAmPlE.cOm.").lowercased().same_spelling(dn("www.example.com.")));
  // Only ASCII letters fold: 0xC4 and 0xE4 stay different.
  CHECK(dn("\\196.") != dn("\\228."));
  std::unordered_set<name, agora::dns::name_hash> seen{dn("Example.COM.")};
  CHECK(seen.count(dn("example.com.")) == 1);
}

TEST_CASE("dns name: parent and bailiwick") {
  CHECK(dn("www.example.com.").parent().same_spelling(dn("example.com.")));
  CHECK(dn("com.").parent().is_root());
  CHECK(name().parent().is_root());
  CHECK(dn("a.b.example.com.").is_subdomain_of(dn("example.com.")));
  CHECK(dn("a.b.example.com.").is_subdomain_of(dn("EXAMPLE.com")));
  CHECK(dn("example.com.").is_subdomain_of(dn("example.com.")));
  CHECK(dn("example.com.").is_subdomain_of(name()));
  CHECK(name().is_subdomain_of(name()));
  CHECK(!dn("xample.com.").is_subdomain_of(dn("ample.com.")));
  CHECK(!dn("badexample.com.").is_subdomain_of(dn("example.com.")));
  CHECK(!dn("com.").is_subdomain_of(dn("example.com.")));
  CHECK(!dn("example.org.").is_subdomain_of(dn("example.com.")));
  CHECK(!name().is_subdomain_of(dn("com.")));
  // A label holding a dot is one label: "a\.example.com." is under com.
  // but not under example.com.
  CHECK(!dn("a\\.example.com.").is_subdomain_of(dn("example.com.")));
  CHECK(dn("a\\.example.com.").is_subdomain_of(dn("com.")));
}
