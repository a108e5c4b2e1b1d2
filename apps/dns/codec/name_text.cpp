// The text form of agora::dns::name: "www.example.com." with RFC 1035 §5.1
// escapes ("\." "\\" "\DDD"), parsed with errors that say where.
#include <fmt/format.h>

#include "codec/name.hpp"

namespace agora::dns {

namespace {

bool escaped_as_is(std::uint8_t c) {
  switch (c) {
    case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
      return true;
    default:
      return false;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string name_text_error::describe() const {
  return fmt::format("at character {}: {}", position, what);
}

result<name, name_text_error> name::from_text(std::string_view text) {
  if (text.empty()) return name_text_error{"empty name (the root is \".\")", 0};
  if (text == ".") return name();
  std::string wire;
  std::size_t label_start = 0;  // index in `wire` of the current label's length byte
  std::size_t label_text_start = 0;
  wire.push_back('\0');
  auto end_label = [&](std::size_t at) -> std::optional<name_text_error> {
    const std::size_t len = wire.size() - label_start - 1;
    if (len == 0) return name_text_error{"empty label", at};
    if (len > max_label_length)
      return name_text_error{
          fmt::format("label of {} bytes (at most {})", len, max_label_length), label_text_start};
    wire[label_start] = static_cast<char>(len);
    return std::nullopt;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '.') {
      if (auto e = end_label(i)) return *e;
      ++i;
      label_start = wire.size();
      label_text_start = i;
      if (i == text.size()) break;  // the final dot
      wire.push_back('\0');
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return name_text_error{"a backslash ends the name", i};
      if (is_digit(text[i + 1])) {
        if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3]))
          return name_text_error{"\\DDD needs three digits", i};
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return name_text_error{fmt::format("\\{} is over 255", text.substr(i + 1, 3)), i};
        wire.push_back(static_cast<char>(v));
        i += 4;
      } else {
        wire.push_back(text[i + 1]);
        i += 2;
      }
    } else {
      wire.push_back(c);
      ++i;
    }
    if (wire.size() - label_start - 1 > max_label_length)
      return name_text_error{fmt::format("label longer than {} bytes", max_label_length),
                             label_text_start};
    if (wire.size() + 1 > max_name_length)
      return name_text_error{fmt::format("name longer than {} bytes", max_name_length), i - 1};
  }
  if (label_start < wire.size()) {  // no final dot: close the last label
    if (auto e = end_label(text.size())) return *e;
  }
  wire.push_back('\0');
  if (wire.size() > max_name_length)
    return name_text_error{fmt::format("name longer than {} bytes", max_name_length), text.size()};
  return name(std::move(wire));
}

std::string name::to_text() const {
  if (is_root()) return ".";
  std::string out;
  for (std::size_t at = 0; static_cast<std::uint8_t>(wire_[at]) != 0;) {
    const std::size_t len = static_cast<std::uint8_t>(wire_[at]);
    for (std::size_t k = at + 1; k <= at + len; ++k) {
      const auto c = static_cast<std::uint8_t>(wire_[k]);
      if (c < '!' || c > '~')
        out += fmt::format("\\{:03}", c);
      else if (escaped_as_is(c))
        out += {'\\', static_cast<char>(c)};
      else
        out += static_cast<char>(c);
    }
    out += '.';
    at += 1 + len;
  }
  return out;
}

}  // namespace agora::dns
