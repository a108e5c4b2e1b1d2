// decode(): wire bytes -> agora::dns::message, for untrusted input. Every
// loop is bounded and every read is checked against the end:
//  - names: labels of 1..63 bytes, at most 255 bytes decompressed; label
//    types 0x40 and 0x80 refused; a compression pointer must point into
//    the message past the header and strictly before the labels it
//    continues (so only backwards: no loops), at most
//    max_compression_hops of them per name;
//  - counts: the four counts must fit the bytes after the header (a
//    question takes at least 5 bytes, a record 11) before anything is
//    read; nothing is reserved from them;
//  - records: the rdata must lie within the message; for the types the
//    codec knows (rdata_layout.hpp) the fields must fill rdlength exactly
//    (A 4, AAAA 16, MX 2 + name, SRV 6 + name, SOA two names + 20);
//  - OPT: at most one, only in the additional section, owner the root, its
//    options tiling its rdata;
//  - bytes after the last record are ignored by default (as NSD, unbound
//    and BIND do), or refused with trailing_data::refuse.
// A failure says what, at which byte, and whether the header could be
// read (a server can then answer FORMERR with the client's ID) or not
// (nothing to answer: drop).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "codec/message.hpp"
#include "codec/result.hpp"

namespace agora::dns {

/// Pointers followed for one name. A compressor points at labels it wrote
/// earlier, so every hop is followed by at least one label: a 255-byte
/// name has at most 127 labels, so no real message needs more.
inline constexpr std::size_t max_compression_hops = 127;

enum class decode_failure : std::uint8_t {
  no_header,  // fewer than 12 bytes: nothing to answer (drop)
  malformed,  // the header was read (decode_error::header): FORMERR can carry its ID
};

struct decode_error {
  std::string what;
  std::size_t offset = 0;  // the byte at fault
  decode_failure kind = decode_failure::malformed;
  dns::header header;  // as read, for malformed
  /// "at byte 12: label of 64 bytes (at most 63)"
  std::string describe() const;
};

enum class trailing_data : std::uint8_t { ignore, refuse };

struct decode_options {
  trailing_data trailing = trailing_data::ignore;
};

using decode_result = result<message, decode_error>;

decode_result decode(std::span<const std::byte> wire, const decode_options& options = {});

/// Just the header (the first 12 bytes), or nullopt if there are fewer.
std::optional<header> decode_header(std::span<const std::byte> wire) noexcept;

}  // namespace agora::dns
