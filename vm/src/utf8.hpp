// UTF-8 validation shared by term construction, the text parser and the
// binary decoder (private to vm/).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace agora::detail {

/// Offset of the first byte that does not start a valid UTF-8 sequence
/// (overlongs, surrogates and code points above U+10FFFF are invalid), or
/// npos when the whole input is valid.
std::size_t first_invalid_utf8(std::string_view s) noexcept;

inline bool valid_utf8(std::string_view s) noexcept {
  return first_invalid_utf8(s) == std::string_view::npos;
}

/// Length of the valid UTF-8 sequence starting at s[0], or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// Appends the UTF-8 encoding of code point cp (which must be valid).
void append_utf8(std::string& out, char32_t cp);

/// True for names usable as a capture `$name` or a bare symbol start:
/// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s) noexcept;

}  // namespace agora::detail
