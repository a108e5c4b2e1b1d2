// Compact, versioned binary encoding of terms for the wire (format:
// docs/WIRE.md).
//
// An encoded term is a version byte (currently 1) followed by the term.
// Every term has exactly one encoding and the decoder accepts nothing else, so
// encode(decode(b)) == b for every accepted b. The decoder is bounded (total
// input size, nesting depth), allocates only in proportion to the input it has
// read, rejects truncated, overlong, non-canonical or garbage input with
// decode_error, and never reads past its buffer. Neither direction recurses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agora/term.hpp"

namespace agora {

inline constexpr std::uint8_t binary_version = 1;

/// what() is "at byte N: message".
class decode_error : public std::runtime_error {
 public:
  decode_error(std::size_t offset, std::string message);
  /// Byte offset in the input where the problem was found.
  std::size_t offset() const noexcept { return offset_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::size_t offset_;
  std::string message_;
};

struct decode_limits {
  std::size_t max_size = 16u << 20;  // bytes of input accepted
  std::size_t max_depth = 256;       // nesting of sequences/records; `[]` is 1
};

/// Appends the encoding of t (version byte included) to out.
void encode(const term& t, std::vector<std::byte>& out);
std::vector<std::byte> encode(const term& t);

/// Decodes exactly one term that must fill the whole input.
term decode(std::span<const std::byte> in, const decode_limits& limits = {});
inline term decode(std::string_view in, const decode_limits& limits = {}) {
  return decode(std::as_bytes(std::span<const char>(in.data(), in.size())), limits);
}

// ---- several terms behind one version byte ----------------------------------
// A format that carries a sequence of terms (the cluster's session payload:
// a version byte, then ops) writes its own version byte once, then items.

/// Appends the encoding of t without the version byte: encode(t) is the
/// version byte followed by exactly these bytes.
void encode_item(const term& t, std::vector<std::byte>& out);

/// Decodes the one term (no version byte) that starts at `offset` in `in` and
/// advances `offset` past it; bytes after it are left for the caller. Errors
/// are decode_error with offsets into `in`; `offset` is then unchanged.
/// max_size bounds in.size(), as for decode(). Throws std::out_of_range if
/// offset > in.size(). `enclosing`: compounds the caller has already read
/// around this item (a record header it parsed itself); they count against
/// max_depth.
term decode_item(std::span<const std::byte> in, std::size_t& offset,
                 const decode_limits& limits = {}, std::size_t enclosing = 0);

}  // namespace agora
