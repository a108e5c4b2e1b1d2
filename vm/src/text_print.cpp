// Printing terms in the text syntax of agora/text.hpp.
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <vector>

#include "agora/text.hpp"
#include "text_syntax.hpp"

namespace agora {

namespace {

void append_quoted(std::string& out, std::string_view s, char quote) {
  out += quote;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c == quote) {
          out += '\\';
          out += c;
        } else if (u < 0x20 || u == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
        } else {
          out += c;  // printable ASCII or part of a (valid) UTF-8 sequence
        }
    }
  }
  out += quote;
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "+nan.0";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf.0" : "+inf.0";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip
  std::string_view text(buf, static_cast<std::size_t>(res.ptr - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_bytes(std::string& out, std::string_view b) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "#x\"";
  for (char c : b) {
    auto u = static_cast<unsigned char>(c);
    out += hex[u >> 4];
    out += hex[u & 0xf];
  }
  out += '"';
}

// Writes a scalar whole, or only the opening of a compound (print() writes
// its items and the closing bracket).
void append_leaf_or_open(std::string& out, const term& t) {
  switch (t.kind()) {
    case kind::boolean: out += t.as_bool() ? "true" : "false"; break;
    case kind::integer: fmt::format_to(std::back_inserter(out), "{}", t.as_int()); break;
    case kind::real: append_double(out, t.as_double()); break;
    case kind::string: append_quoted(out, t.as_string(), '"'); break;
    case kind::bytes: append_bytes(out, t.as_bytes()); break;
    case kind::symbol: detail::append_symbol(out, t.as_symbol()); break;
    case kind::wildcard: out += '_'; break;
    case kind::capture:
      out += '$';
      out += t.capture_name();
      break;
    case kind::sequence: out += '['; break;
    case kind::record:
      detail::append_symbol(out, t.label());
      out += '(';
      break;
  }
}

}  // namespace

void detail::append_symbol(std::string& out, std::string_view name) {
  if (is_bare_symbol(name))
    out += name;
  else
    append_quoted(out, name, '\'');
}

std::string print(const term& t) {
  // An explicit stack instead of recursion: terms built in memory can be
  // nested far deeper than the call stack allows.
  struct frame {
    const term* compound;
    std::size_t next;
  };
  std::vector<frame> stack;
  std::string out;
  auto visit = [&](const term& x) {
    append_leaf_or_open(out, x);
    if (x.is_sequence() || x.is_record()) stack.push_back({&x, 0});
  };
  visit(t);
  while (!stack.empty()) {
    frame& top = stack.back();
    auto items = top.compound->items();
    if (top.next == items.size()) {
      out += top.compound->is_sequence() ? ']' : ')';
      stack.pop_back();
      continue;
    }
    if (top.next > 0) out += ", ";
    visit(items[top.next++]);  // may reallocate the stack; `top` is dead here
  }
  return out;
}

std::string term::to_string() const { return print(*this); }

}  // namespace agora
