// locate_records(): where each record sits in a DNS message's wire, without
// decoding it — the owner, type, class, the TTL field's offset and the
// rdata's extent. The answer cache keeps a reply pre-encoded and patches
// the TTLs in place, so it needs their offsets. Names are skipped, not
// read (a pointer ends a name; its target is not followed), so each step
// moves forward: the walk is bounded by the wire's length. Meant for wire
// the codec wrote, but safe on any bytes: a message that does not parse
// this far gives an error saying where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/result.hpp"
#include "codec/types.hpp"

namespace agora::dns {

enum class wire_section : std::uint8_t { answer, authority, additional };

struct question_position {
  std::size_t name_at = 0;      // the name's first byte
  std::size_t name_length = 0;  // its bytes on the wire (a pointer counts 2)
  rr_type type = rr_type::a;
  rr_class rclass = rr_class::in;
};

struct record_position {
  wire_section section = wire_section::answer;
  std::size_t owner_at = 0;
  rr_type type = rr_type::a;
  std::uint16_t rclass = 0;  // a class, or an OPT's UDP payload size
  std::size_t ttl_at = 0;    // the 4-byte TTL field
  std::uint32_t ttl = 0;     // its value as on the wire
  std::size_t rdata_at = 0;
  std::uint16_t rdlength = 0;
};

struct wire_layout {
  std::vector<question_position> questions;
  std::vector<record_position> records;  // answer, authority, additional, in order (OPT included)
  std::size_t end = 0;                   // the byte after the last record
};

struct wire_layout_error {
  std::string what;
  std::size_t offset = 0;
  /// "at byte 40: record runs past the end"
  std::string describe() const;
};

result<wire_layout, wire_layout_error> locate_records(std::span<const std::byte> wire);

}  // namespace agora::dns
