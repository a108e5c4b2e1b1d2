// agora::dns::name — a domain name, held in its uncompressed wire form
// (length-prefixed labels ending with the root's empty label). Every name
// is valid: labels of 1..63 bytes, at most 255 bytes in all (RFC 1035
// §2.3.4). Case is kept as it came (0x20 randomisation depends on it) but
// names compare and hash case-insensitively (ASCII only, RFC 4343);
// same_spelling() compares exactly. Text form and its parser: name_text.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "codec/result.hpp"

namespace agora::dns {

inline constexpr std::size_t max_label_length = 63;
inline constexpr std::size_t max_name_length = 255;  // wire octets, with the root's 0

/// Why a text name was refused, and at which character (0-based).
struct name_text_error {
  std::string what;
  std::size_t position = 0;
  /// "at character 4: empty label"
  std::string describe() const;
};

class name {
 public:
  /// The root, ".".
  name() : wire_(1, '\0') {}
  static name root() { return name(); }

  /// From "www.example.com." (the final dot is optional; "." is the root).
  /// Escapes: "\." and "\\" (any "\X" is X) and "\DDD" (a byte in decimal).
  static result<name, name_text_error> from_text(std::string_view text);
  /// From an uncompressed wire form that must be exactly one valid name
  /// (no pointers, nothing after the root label); nullopt otherwise.
  static std::optional<name> from_wire(std::span<const std::uint8_t> wire);

  /// "www.example.com.", the root "."; bytes outside '!'..'~' as "\DDD", and
  /// . \ " ( ) ; @ $ escaped with a backslash (so from_text reads it back).
  std::string to_text() const;

  /// The uncompressed wire form, root label included.
  std::span<const std::uint8_t> wire() const noexcept {
    return {reinterpret_cast<const std::uint8_t*>(wire_.data()), wire_.size()};
  }
  std::size_t wire_length() const noexcept { return wire_.size(); }
  /// Labels other than the root: 0 for ".", 3 for "www.example.com.".
  std::size_t label_count() const noexcept;
  /// Label `i`, counted from the left (0 is "www" in "www.example.com.").
  /// Precondition: i < label_count().
  std::string_view label(std::size_t i) const noexcept;
  bool is_root() const noexcept { return wire_.size() == 1; }

  /// The name without its leftmost label; the root's parent is the root.
  name parent() const;
  /// True if this name is `zone` or below it (label-wise, any case):
  /// "a.b.example.com." is a subdomain of "example.com." and of "."; "xample.com." is
  /// not one of "ample.com.". The bailiwick check.
  bool is_subdomain_of(const name& zone) const noexcept;

  /// The same name in lower case (ASCII letters only).
  name lowercased() const;
  /// The lower-case wire form: the key for caches and sets.
  std::string canonical_key() const;
  /// Byte for byte the same, case included (0x20 checks).
  bool same_spelling(const name& other) const noexcept { return wire_ == other.wire_; }

  /// Case-insensitive.
  friend bool operator==(const name& a, const name& b) noexcept;
  /// Case-insensitive, consistent with ==.
  std::size_t hash() const noexcept;

 private:
  explicit name(std::string wire) : wire_(std::move(wire)) {}

  std::string wire_;
};

/// For unordered containers: std::unordered_map<name, V, name_hash>.
struct name_hash {
  std::size_t operator()(const name& n) const noexcept { return n.hash(); }
};

}  // namespace agora::dns
