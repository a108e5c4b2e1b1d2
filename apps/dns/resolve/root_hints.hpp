// agora::dns root hints: where iterative resolution starts. A file in the
// layout of IANA's named.root (RFC 1035 master-file lines):
//
//   ; comment
//   .                        3600000      NS    A.ROOT-SERVERS.NET.
//   A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
//   A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
//
// Each record line is OWNER [TTL] [IN] TYPE DATA (TTL and class in either
// order), TYPE one of NS (owner "."), A, AAAA; a line that starts with a
// blank reuses the previous owner. Names are absolute (relative ones, "@"
// and $ORIGIN are refused) and case-insensitive. TTLs are checked and
// dropped: hints are only a starting point. Addresses of hosts that no
// root NS names are ignored. Input is untrusted: at most 10,000 lines and
// 1 MiB; every problem is an error with its line, never a crash.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "codec/name.hpp"
#include "codec/result.hpp"
#include "resolve/ip_address.hpp"

namespace agora::dns {

inline constexpr std::size_t max_root_hints_lines = 10'000;
inline constexpr std::size_t max_root_hints_bytes = std::size_t{1} << 20;  // 1 MiB

/// A root server: a name from a root NS record and its addresses (A and
/// AAAA, in file order, each once).
struct root_server {
  name host;
  std::vector<ip_address> addresses;

  friend bool operator==(const root_server&, const root_server&) = default;
};

/// Why the hints were refused. `line` is 1-based; 0 for the file as a
/// whole (too big, unreadable, no root NS, a server without an address).
struct root_hints_error {
  std::size_t line = 0;
  std::string what;
  /// "line 7: relative name 'A.ROOT-SERVERS.NET' (names must end with '.')",
  /// or `what` alone for line 0.
  std::string describe() const;
};

using root_hints_result = result<std::vector<root_server>, root_hints_error>;

/// The root servers, in the order of their first NS record, each once
/// (names compared without case). An error if the text is over the
/// bounds, has a line that is not a valid NS/A/AAAA record, names no root
/// server, or names one without an address.
root_hints_result parse_root_hints(std::string_view text);

/// Reads `file` (at most max_root_hints_bytes; no more is read) and parses
/// it. Errors name the file: "cannot read /x/named.root: No such file or
/// directory".
root_hints_result read_root_hints(const std::filesystem::path& file);

}  // namespace agora::dns
