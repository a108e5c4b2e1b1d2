// The rules for the fields of handshake frames and ops (docs/CLUSTER.md,
// "Fields"), and record_fields, which reads one record's fields under those
// rules with errors that say which field, what rule, and what came instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agora/term.hpp"
#include "wire.hpp"

namespace agora::cluster {

inline constexpr std::size_t max_cluster_name_size = 64;
inline constexpr std::size_t max_address_size = 255;
/// A REASON's encoding (without version byte) takes at most this many bytes.
inline constexpr std::size_t max_reason_size = 256;

// Each *_problem function says what is wrong, or nothing when the value is
// valid.

/// 1 to 64 bytes of letters, digits, '.', '_' and '-'.
std::optional<std::string> cluster_name_problem(std::string_view name);

/// "host:port": host a name or IPv4 address (letters, digits, '.', '-',
/// '_'), or an IPv6 address in brackets ("[::1]", "[fe80::1%eth0]"); port
/// 1..65535 in decimal without leading zeros; at most 255 bytes.
std::optional<std::string> address_problem(std::string_view address);

/// A symbol, or a record (label and concrete fields), encoded in at most
/// max_reason_size bytes: `shutdown`, `node_lost(3)`, `crashed("...")`.
std::optional<std::string> reason_problem(const term& reason);

/// id and incarnation >= 1; a member has a valid address, a client "".
std::optional<std::string> identity_problem(const node_identity& node);

/// A term's text for an error message, cut short when long.
std::string brief(const term& t);

/// The fields of one record, checked as they are read. Every failure throws
/// protocol_error("LABEL: field N (NAME) RULE, got VALUE").
class record_fields {
 public:
  /// Checks that `t` is the record label(names...) with exactly that many
  /// fields. `t` and `names` must outlive this reader.
  record_fields(const term& t, std::string_view label, std::span<const std::string_view> names);

  const term& operator[](std::size_t i) const { return record_[i]; }

  std::int64_t integer(std::size_t i, std::int64_t min) const;
  std::string_view string(std::size_t i) const;
  /// Bytes of exactly `size` octets.
  std::string_view bytes(std::size_t i, std::size_t size) const;
  /// The index in `symbols` of field i, which must be one of them.
  std::size_t one_of(std::size_t i, std::initializer_list<std::string_view> symbols) const;
  const term& reason(std::size_t i) const;
  const term& concrete(std::size_t i) const;
  /// A valid address, or "" when `empty_allowed`.
  std::string_view address(std::size_t i, bool empty_allowed) const;

  [[noreturn]] void fail(std::size_t i, std::string_view rule) const;

 private:
  const term& record_;
  std::string_view label_;
  std::span<const std::string_view> names_;
};

}  // namespace agora::cluster
