// Text syntax of terms and patterns, for people.
//
//   true  false                     booleans
//   42  -7  +7                      64-bit integers (out of range is an error)
//   0.1  -0.0  1e+300  2.5E-3       doubles: a number with '.' or an exponent
//   +inf.0  -inf.0  +nan.0          special doubles (-nan.0 reads as +nan.0)
//   "h\u00e9llo \"x\"\n"            strings: UTF-8, escapes \" \' \\ \n \r \t \b \f
//                                   \uXXXX (surrogate pairs combine); raw control
//                                   characters (< 0x20, 0x7f) must be escaped
//   #x"00ff"                        bytes, hex (printed lowercase)
//   present  dns.query  'two words' symbols: bare when [A-Za-z_][A-Za-z0-9_.:/-]*
//                                   and not `_`, `true` or `false`; else
//                                   single-quoted, with the string escapes
//   [1, "two", three]               sequences
//   say("alice", "hi")  stop()      records: symbol label + ordered fields
//   _   $who                        wildcard and named capture (patterns);
//                                   capture names are [A-Za-z_][A-Za-z0-9_]*
//
// Space, tab, CR and LF may appear between tokens (also between a record's
// label and its '('). Printing uses one canonical form: ", " between items,
// the shortest double that reads back exactly, escapes only where needed.
// print(parse(s)) is stable and parse(print(t)) == t for every term.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agora/term.hpp"

namespace agora {

/// Error from parse(): where (byte offset, 1-based line and column; columns
/// count code points) and what was expected. what() reads like
/// "1:7: expected ',' or ')' after field 1 of record say, got '2'".
class parse_error : public std::runtime_error {
 public:
  parse_error(std::size_t offset, std::size_t line, std::size_t column,
              std::string message);
  std::size_t offset() const noexcept { return offset_; }
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }
  /// The message without the position prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  std::size_t offset_, line_, column_;
  std::string message_;
};

struct parse_limits {
  std::size_t max_depth = 256;         // nesting of sequences/records; 0 allows none
  std::size_t max_size = 16u << 20;    // input bytes
};

/// Parses exactly one term (surrounding whitespace allowed). Throws parse_error.
term parse(std::string_view text, const parse_limits& limits = {});

/// Text form of a term (same as t.to_string()). Iterative: any depth is fine.
std::string print(const term& t);

/// A pattern from text, e.g. "say($who, _)"_t.
inline namespace literals {
inline term operator""_t(const char* s, std::size_t n) { return parse({s, n}); }
}  // namespace literals

}  // namespace agora
