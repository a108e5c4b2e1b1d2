// Lexical rules shared by the text printer and parser (private to vm/).
#pragma once

#include <string>
#include <string_view>

namespace agora::detail {

constexpr bool is_symbol_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/// Characters allowed after the first one in a bare symbol. Besides the
/// identifier characters, '-', '.', ':' and '/' are allowed so that names
/// like `dns.query`, `node-1` and `tcp/listen` need no quotes. Two terms are
/// never adjacent in the syntax, so reading them greedily is unambiguous.
constexpr bool is_symbol_char(char c) noexcept {
  return is_symbol_start(c) || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == ':' || c == '/';
}

/// True when the symbol prints without quotes: it matches
/// [A-Za-z_][A-Za-z0-9_.:/-]* and is not one of the reserved words
/// `_`, `true`, `false`.
constexpr bool is_bare_symbol(std::string_view s) noexcept {
  if (s.empty() || !is_symbol_start(s[0])) return false;
  for (char c : s.substr(1))
    if (!is_symbol_char(c)) return false;
  return s != "_" && s != "true" && s != "false";
}

/// Appends a symbol in text syntax: bare when possible, else single-quoted.
void append_symbol(std::string& out, std::string_view name);

}  // namespace agora::detail
