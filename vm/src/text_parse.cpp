// Parsing the text syntax of agora/text.hpp.
//
// The parser keeps open sequences and records on an explicit stack rather
// than the call stack, so its stack use does not grow with nesting; the depth
// is still bounded by parse_limits::max_depth.
#include <charconv>
#include <fmt/format.h>
#include <limits>
#include <vector>

#include "agora/text.hpp"
#include "text_syntax.hpp"
#include "utf8.hpp"

namespace agora {

parse_error::parse_error(std::size_t offset, std::size_t line,
                         std::size_t column, std::string message)
    : std::runtime_error(fmt::format("{}:{}: {}", line, column, message)),
      offset_(offset),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Keeps error messages short when they quote user input.
std::string excerpt(std::string_view s) {
  constexpr std::size_t max = 40;
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}...", s.substr(0, cut));
}

class parser {
 public:
  parser(std::string_view in, const parse_limits& limits)
      : in_(in), limits_(limits) {}

  term run();

 private:
  // An open sequence or record whose items are being parsed.
  struct frame {
    bool record;
    term label;  // records only
    std::vector<term> items;
  };

  std::string_view in_;
  parse_limits limits_;
  std::size_t pos_ = 0;
  std::vector<frame> stack_;

  bool at(char c) const noexcept { return pos_ < in_.size() && in_[pos_] == c; }
  bool at_digit() const noexcept { return pos_ < in_.size() && is_digit(in_[pos_]); }
  char closer() const noexcept { return stack_.back().record ? ')' : ']'; }

  void skip_whitespace() noexcept {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' ||
                                 in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }

  [[noreturn]] void fail_at(std::size_t offset, std::string message) const;
  /// "expected WHAT, got WHATEVER-IS-AT-pos_".
  [[noreturn]] void expected(std::string_view what) const {
    fail_at(pos_, fmt::format("expected {}, got {}", what, describe(pos_)));
  }
  std::string describe(std::size_t offset) const;
  std::string item_name(std::size_t index) const;
  std::string expected_value() const;

  bool scalar_or_open(term& out);
  void open(std::size_t start, bool record, term label);
  term close();
  bool symbol_or_open(std::size_t start, std::string_view name, term& out);
  std::string quoted(std::string_view what);
  void escape(std::string& out, std::size_t open_quote, std::string_view what);
  char32_t hex4(std::size_t at) const;
  term bytes();
  term capture();
  term number();
};

void parser::fail_at(std::size_t offset, std::string message) const {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < in_.size(); ++i) {
    if (in_[i] == '\n') {
      ++line, column = 1;
    } else if ((static_cast<unsigned char>(in_[i]) & 0xC0) != 0x80) {
      ++column;  // columns count code points, not bytes
    }
  }
  throw parse_error(offset, line, column, std::move(message));
}

std::string parser::describe(std::size_t offset) const {
  if (offset >= in_.size()) return "end of input";
  auto c = static_cast<unsigned char>(in_[offset]);
  if (c == '\'') return "\"'\"";
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  // The input is valid UTF-8 (checked up front), so this decodes.
  std::size_t n = detail::utf8_sequence_length(in_.substr(offset));
  char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
  for (std::size_t i = 1; i < n; ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(in_[offset + i]) & 0x3F);
  return fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp));
}

/// "item 3 of sequence" or "field 2 of record say" (1-based) for the
/// innermost open compound.
std::string parser::item_name(std::size_t index) const {
  const frame& f = stack_.back();
  if (!f.record) return fmt::format("item {} of sequence", index + 1);
  std::string label;
  detail::append_symbol(label, f.label.as_symbol());
  return fmt::format("field {} of record {}", index + 1, excerpt(label));
}

std::string parser::expected_value() const {
  if (stack_.empty()) return "a term";
  const frame& f = stack_.back();
  if (f.items.empty())
    return fmt::format("{} or '{}'", item_name(0), closer());
  return item_name(f.items.size());
}

term parser::run() {
  if (in_.size() > limits_.max_size)
    fail_at(0, fmt::format("input is {} bytes, more than the limit of {}",
                           in_.size(), limits_.max_size));
  if (auto bad = detail::first_invalid_utf8(in_); bad != std::string_view::npos)
    fail_at(bad, "invalid UTF-8");
  skip_whitespace();
  for (;;) {
    term value;
    if (!scalar_or_open(value)) {
      skip_whitespace();
      if (!at(closer())) continue;  // parse the first item
      ++pos_;
      value = close();
    }
    // A value is complete: add it to the innermost open compound and close
    // every compound that ends right after it.
    for (;;) {
      skip_whitespace();
      if (stack_.empty()) {
        if (pos_ < in_.size()) expected("end of input after the term");
        return value;
      }
      frame& top = stack_.back();
      top.items.push_back(std::move(value));
      if (at(',')) {
        ++pos_;
        skip_whitespace();
        break;
      }
      if (!at(closer()))
        expected(fmt::format("',' or '{}' after {}", closer(),
                             item_name(top.items.size() - 1)));
      ++pos_;
      value = close();
    }
  }
}

/// Parses a scalar into `out` and returns true, or opens a compound and
/// returns false.
bool parser::scalar_or_open(term& out) {
  if (pos_ >= in_.size()) expected(expected_value());
  std::size_t start = pos_;
  char c = in_[pos_];
  switch (c) {
    case '[':
      ++pos_;
      open(start, false, term());
      return false;
    case '"':
      out = term::string(quoted("string"));
      return true;
    case '\'':
      return symbol_or_open(start, quoted("symbol"), out);
    case '#':
      out = bytes();
      return true;
    case '$':
      out = capture();
      return true;
    case '+':
    case '-':
      out = number();
      return true;
    default:
      break;
  }
  if (is_digit(c)) {
    out = number();
    return true;
  }
  if (!detail::is_symbol_start(c)) expected(expected_value());
  while (pos_ < in_.size() && detail::is_symbol_char(in_[pos_])) ++pos_;
  std::string_view word = in_.substr(start, pos_ - start);
  if (word == "true" || word == "false") {
    out = term(word == "true");
    return true;
  }
  if (word == "_") {
    out = term::wildcard();
    return true;
  }
  return symbol_or_open(start, word, out);
}

void parser::open(std::size_t start, bool record, term label) {
  if (stack_.size() >= limits_.max_depth)
    fail_at(start, fmt::format("nesting deeper than {}", limits_.max_depth));
  stack_.push_back({record, std::move(label), {}});
}

term parser::close() {
  frame f = std::move(stack_.back());
  stack_.pop_back();
  if (f.record) return term::record(f.label, f.items);
  return term::sequence(std::move(f.items));
}

/// Like scalar_or_open() for a symbol just read: when '(' follows, the symbol
/// is the label of a record, which is opened.
bool parser::symbol_or_open(std::size_t start, std::string_view name, term& out) {
  term symbol;
  try {
    symbol = term::symbol(name);
  } catch (const term_error& e) {  // e.g. an empty symbol, if disallowed
    fail_at(start, e.what());
  }
  const std::size_t after = pos_;
  skip_whitespace();
  if (!at('(')) {
    pos_ = after;
    out = std::move(symbol);
    return true;
  }
  ++pos_;
  open(start, true, std::move(symbol));
  return false;
}

/// The contents of a quoted string or symbol; pos_ is at the opening quote.
std::string parser::quoted(std::string_view what) {
  const char quote = in_[pos_];
  const std::size_t open_quote = pos_++;
  std::string out;
  for (;;) {
    if (pos_ >= in_.size()) fail_at(open_quote, fmt::format("unterminated {}", what));
    char c = in_[pos_];
    if (c == quote) {
      ++pos_;
      return out;
    }
    if (c == '\\') {
      escape(out, open_quote, what);
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      fail_at(pos_, fmt::format("control character U+{:04X} in {} (use an escape)",
                                u, what));
    out += c;
    ++pos_;
  }
}

void parser::escape(std::string& out, std::size_t open_quote, std::string_view what) {
  const std::size_t backslash = pos_++;
  if (pos_ >= in_.size()) fail_at(open_quote, fmt::format("unterminated {}", what));
  char e = in_[pos_++];
  switch (e) {
    case '"':
    case '\'':
    case '\\': out += e; return;
    case 'n': out += '\n'; return;
    case 'r': out += '\r'; return;
    case 't': out += '\t'; return;
    case 'b': out += '\b'; return;
    case 'f': out += '\f'; return;
    case 'u': break;
    default:
      fail_at(backslash, fmt::format("invalid escape: backslash followed by {} in {}",
                                     describe(pos_ - 1), what));
  }
  char32_t cp = hex4(pos_);
  if (cp > 0xFFFF)
    fail_at(backslash, fmt::format("expected 4 hex digits after \\u in {}", what));
  pos_ += 4;
  if (cp >= 0xD800 && cp <= 0xDFFF) {
    // Only a high surrogate immediately followed by an escaped low one is a
    // code point; anything else would not be valid UTF-8.
    bool paired = false;
    if (cp <= 0xDBFF && in_.substr(pos_, 2) == "\\u") {
      char32_t low = hex4(pos_ + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        pos_ += 6;
        paired = true;
      }
    }
    if (!paired)
      fail_at(backslash, fmt::format("lone surrogate {} in {}",
                                     in_.substr(backslash, 6), what));
  }
  detail::append_utf8(out, cp);
}

/// The value of 4 hex digits at `at`, or a value > 0xFFFF if there are none.
char32_t parser::hex4(std::size_t at) const {
  if (in_.size() - at < 4) return 0x10000;
  char32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    int h = hex_value(in_[at + i]);
    if (h < 0) return 0x10000;
    v = v * 16 + static_cast<char32_t>(h);
  }
  return v;
}

term parser::bytes() {
  const std::size_t start = pos_;
  if (in_.substr(pos_ + 1, 2) != "x\"") {
    ++pos_;
    expected("'x\"' after '#' (bytes are written #x\"00ff\")");
  }
  pos_ += 3;
  std::string out;
  for (;;) {
    if (pos_ >= in_.size()) fail_at(start, "unterminated bytes literal");
    if (at('"')) break;
    int hi = hex_value(in_[pos_]);
    if (hi < 0)
      fail_at(pos_, fmt::format("expected a hex digit or '\"' in bytes literal, got {}",
                                describe(pos_)));
    ++pos_;
    if (pos_ >= in_.size()) fail_at(start, "unterminated bytes literal");
    int lo = hex_value(in_[pos_]);
    if (lo < 0) {
      if (at('"')) fail_at(start, "odd number of hex digits in bytes literal");
      fail_at(pos_, fmt::format("expected a hex digit in bytes literal, got {}",
                                describe(pos_)));
    }
    ++pos_;
    out += static_cast<char>(hi * 16 + lo);
  }
  ++pos_;
  return term::bytes(std::string_view(out));
}

term parser::capture() {
  ++pos_;  // '$'
  const std::size_t start = pos_;
  if (pos_ >= in_.size() || !detail::is_symbol_start(in_[pos_]))
    expected("a capture name ([A-Za-z_][A-Za-z0-9_]*) after '$'");
  while (pos_ < in_.size() &&
         (detail::is_symbol_start(in_[pos_]) || is_digit(in_[pos_])))
    ++pos_;
  return term::capture(in_.substr(start, pos_ - start));
}

term parser::number() {
  const std::size_t start = pos_;
  const char sign = at('+') || at('-') ? in_[pos_++] : 0;
  if (sign) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (in_.substr(pos_, 5) == "inf.0") {
      pos_ += 5;
      return term(sign == '-' ? -inf : inf);
    }
    if (in_.substr(pos_, 5) == "nan.0") {
      pos_ += 5;
      return term(std::numeric_limits<double>::quiet_NaN());
    }
    if (!at_digit())
      expected(fmt::format("a digit, 'inf.0' or 'nan.0' after '{}'", sign));
  }
  auto digits = [&] {
    while (at_digit()) ++pos_;
  };
  digits();
  bool real = false;
  if (at('.')) {
    real = true;
    ++pos_;
    if (!at_digit()) expected("a digit after the decimal point");
    digits();
  }
  if (at('e') || at('E')) {
    real = true;
    ++pos_;
    if (at('+') || at('-')) ++pos_;
    if (!at_digit()) expected("a digit in the exponent");
    digits();
  }
  // from_chars accepts a leading '-' but not '+'.
  const std::size_t from = sign == '+' ? start + 1 : start;
  const char* first = in_.data() + from;
  const char* last = in_.data() + pos_;
  if (real) {
    double d = 0;
    auto res = std::from_chars(first, last, d);
    if (res.ec != std::errc{} || res.ptr != last)
      fail_at(start, fmt::format("number {} is out of range for a double",
                                 excerpt(in_.substr(start, pos_ - start))));
    return term(d);
  }
  std::int64_t i = 0;
  auto res = std::from_chars(first, last, i);
  if (res.ec != std::errc{} || res.ptr != last)
    fail_at(start, fmt::format("integer {} is out of range for 64 bits",
                               excerpt(in_.substr(start, pos_ - start))));
  return term(i);
}

}  // namespace

term parse(std::string_view text, const parse_limits& limits) {
  return parser(text, limits).run();
}

}  // namespace agora
