// What the codec knows of a record type's rdata: the fixed-size fields and
// the domain names in it, in order. The decoder checks rdlength against
// it and decompresses the names; the encoder compresses them again (only
// for RFC 1035's types, RFC 3597 §4); the accessors read fields through
// it. Types without a layout are opaque bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codec/types.hpp"

namespace agora::dns {

struct rdata_field {
  bool is_name = false;
  std::uint8_t size = 0;  // fixed fields: their size in bytes
};

struct rdata_layout {
  std::array<rdata_field, 3> fields{};
  std::uint8_t count = 0;
  /// The names may be compressed on the wire when encoding (NS, CNAME,
  /// SOA, PTR, MX, MB, MG, MR, MINFO). The decoder accepts pointers in
  /// every layout's names (SRV, DNAME, RP, AFSDB, RT, KX too).
  bool compress = false;
  /// Smallest rdata: the fixed fields plus one byte (the root) per name.
  std::size_t min_size() const noexcept;
};

/// The layout of `type`, or nullptr for an opaque type.
const rdata_layout* layout_of(rr_type type) noexcept;

/// The length of the uncompressed name at `at` in `bytes` (labels of
/// 1..63, at most 255 in all, no pointers), or 0 if there is none.
std::size_t uncompressed_name_length(std::span<const std::uint8_t> bytes, std::size_t at) noexcept;

/// Why `rdata` (names uncompressed) does not fit `type`'s layout, or
/// nullopt if it does or the type is opaque.
std::optional<std::string> rdata_problem(rr_type type, std::span<const std::byte> rdata);

}  // namespace agora::dns
