// agora::term — the immutable value that everything in agora is made of.
//
// A term is one of: bool, 64-bit int, double, string (UTF-8), bytes, symbol,
// sequence, record (symbol label + ordered fields), and — in patterns only —
// the wildcard `_` and the named capture `$name`.
//
// A term is 16 bytes. Scalars and short strings/symbols/bytes (up to 14 bytes)
// live inline; everything else is an immutable, reference-counted heap node,
// so copying a term never copies its contents. Terms hash, compare for
// equality and have a total order (kind first, then value).
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agora {

enum class kind : std::uint8_t {
  boolean,
  integer,
  real,
  string,
  bytes,
  symbol,
  sequence,
  record,
  wildcard,  // `_`      — patterns only
  capture,   // `$name`  — patterns only
};

/// Name of a kind as used in error messages ("integer", "record", ...).
std::string_view kind_name(kind k) noexcept;

/// Thrown by accessors such as as_int() when the term has another kind, and by
/// factories given invalid input (invalid UTF-8, malformed symbol, ...).
class term_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
struct node;
}

class term {
 public:
  // ---- construction -------------------------------------------------------

  /// The default term is `false`.
  term() noexcept { set_kind(kind::boolean); }

  term(bool b) noexcept { set_kind(kind::boolean), raw_[1] = b ? 1 : 0; }
  template <std::signed_integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  term(I i) noexcept {
    set_kind(kind::integer);
    store(static_cast<std::int64_t>(i));
  }
  template <std::unsigned_integral U>
    requires(!std::same_as<U, bool> && !std::same_as<U, char>)
  term(U u) {
    if constexpr (sizeof(U) >= sizeof(std::int64_t)) {
      if (u > static_cast<std::uint64_t>(INT64_MAX))
        throw term_error("integer out of range for a 64-bit signed term");
    }
    set_kind(kind::integer);
    store(static_cast<std::int64_t>(u));
  }
  term(double d) noexcept;
  /// C strings and std::strings become *string* terms; use agora::sym() for
  /// symbols. Throws term_error on invalid UTF-8.
  term(const char* s) : term(std::string_view(s)) {}
  term(const std::string& s) : term(std::string_view(s)) {}
  term(std::string_view s);
  term(char) = delete;  // ambiguous: a one-letter string? an integer?
  term(std::nullptr_t) = delete;

  static term boolean(bool b) noexcept { return term(b); }
  static term integer(std::int64_t i) noexcept { return term(i); }
  static term real(double d) noexcept { return term(d); }
  static term string(std::string_view utf8);  // throws on invalid UTF-8
  static term bytes(std::span<const std::byte> data);
  static term bytes(std::string_view data);  // raw octets, no UTF-8 check
  static term symbol(std::string_view name);  // throws on invalid UTF-8; may be empty
  static term sequence(std::vector<term> items);
  static term sequence(std::span<const term> items);
  static term record(std::string_view label, std::vector<term> fields);
  static term record(const term& label_symbol, std::span<const term> fields);
  static term wildcard() noexcept {
    term t;
    t.set_kind(kind::wildcard);
    return t;
  }
  static term capture(std::string_view name);  // throws on empty name

  // ---- value semantics ----------------------------------------------------

  term(const term& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    retain();
  }
  term(term&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    other.set_kind(kind::boolean);
    other.raw_[1] = 0;
  }
  term& operator=(const term& other) noexcept {
    if (this != &other) {
      other.retain();
      release();
      std::memcpy(raw_, other.raw_, sizeof raw_);
    }
    return *this;
  }
  term& operator=(term&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(raw_, other.raw_, sizeof raw_);
      other.set_kind(kind::boolean);
      other.raw_[1] = 0;
    }
    return *this;
  }
  ~term() { release(); }

  // ---- inspection ---------------------------------------------------------

  agora::kind kind() const noexcept { return static_cast<agora::kind>(raw_[0]); }
  bool is_bool() const noexcept { return kind() == kind::boolean; }
  bool is_int() const noexcept { return kind() == kind::integer; }
  bool is_double() const noexcept { return kind() == kind::real; }
  bool is_string() const noexcept { return kind() == kind::string; }
  bool is_bytes() const noexcept { return kind() == kind::bytes; }
  bool is_symbol() const noexcept { return kind() == kind::symbol; }
  bool is_sequence() const noexcept { return kind() == kind::sequence; }
  bool is_record() const noexcept { return kind() == kind::record; }
  bool is_wildcard() const noexcept { return kind() == kind::wildcard; }
  bool is_capture() const noexcept { return kind() == kind::capture; }
  /// True when the term contains no wildcard and no capture (O(1)).
  bool is_concrete() const noexcept;
  /// True for a record with this label (and, if given, this many fields).
  bool is_record(std::string_view label) const noexcept;
  bool is_record(std::string_view label, std::size_t arity) const noexcept;

  // Accessors throw term_error naming the expected and the actual kind.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;
  std::string_view as_string() const;
  std::string_view as_bytes() const;  // raw octets
  std::string_view as_symbol() const;
  std::string_view capture_name() const;
  /// Label of a record, as a string view of its symbol.
  std::string_view label() const;
  /// Label of a record, as a symbol term.
  term label_term() const;
  /// Elements of a sequence or fields of a record; empty for anything else.
  std::span<const term> items() const noexcept;
  /// Number of items of a sequence or record; 0 for anything else.
  std::size_t size() const noexcept { return items().size(); }
  /// Item i of a sequence or field i of a record; throws term_error if out of
  /// range or not a compound.
  const term& operator[](std::size_t i) const;

  // ---- comparison ---------------------------------------------------------

  std::size_t hash() const noexcept;
  friend bool operator==(const term& a, const term& b) noexcept;
  friend std::strong_ordering operator<=>(const term& a, const term& b) noexcept;

  /// Text syntax (see agora/text.hpp); defined in text_print.cpp.
  std::string to_string() const;

 private:
  friend struct detail::node;
  friend class term_access;

  static constexpr std::uint8_t heap_tag = 0xff;

  void set_kind(agora::kind k) noexcept {
    std::memset(raw_, 0, sizeof raw_);
    raw_[0] = static_cast<unsigned char>(k);
  }
  template <class T>
  void store(const T& v) noexcept {
    static_assert(sizeof(T) == 8);
    std::memcpy(raw_ + 8, &v, 8);
  }
  template <class T>
  T load() const noexcept {
    T v;
    std::memcpy(&v, raw_ + 8, 8);
    return v;
  }
  // Inline, and a bit test rather than a switch: every copy, move and
  // destruction asks, and most terms (scalars, short texts, moved-from
  // ones) have no node.
  bool on_heap() const noexcept {
    constexpr unsigned compound = 1u << static_cast<unsigned>(kind::sequence) |
                                  1u << static_cast<unsigned>(kind::record);
    constexpr unsigned text = 1u << static_cast<unsigned>(kind::string) |
                              1u << static_cast<unsigned>(kind::bytes) |
                              1u << static_cast<unsigned>(kind::symbol) |
                              1u << static_cast<unsigned>(kind::capture);
    const unsigned bit = 1u << raw_[0];
    return (bit & compound) != 0 || ((bit & text) != 0 && raw_[1] == heap_tag);
  }
  detail::node* node_ptr() const noexcept { return load<detail::node*>(); }
  void retain() const noexcept {
    if (on_heap()) retain_node();
  }
  void release() noexcept {
    if (on_heap()) release_node();
  }
  void retain_node() const noexcept;
  void release_node() noexcept;
  std::string_view text_payload() const noexcept;  // string/bytes/symbol/capture
  static term make_text(agora::kind k, std::string_view s);
  static term make_compound(agora::kind k, const term* label,
                            std::span<const term> items);
  static term make_compound(agora::kind k, const term* label,
                            std::vector<term>&& items);
  /// As make_compound, moving the items in.
  static term adopt_compound(agora::kind k, const term* label, std::span<term> items);
  template <class Items>
  static term build_compound(agora::kind k, const term* label, Items items);

  alignas(8) unsigned char raw_[16];
};

static_assert(sizeof(term) == 16);

// ---- builders ---------------------------------------------------------------

/// The wildcard `_` (matches anything).
inline const term _ = term::wildcard();

/// A symbol term: sym("present").
inline term sym(std::string_view name) { return term::symbol(name); }

/// A named capture `$name`: cap("who").
inline term cap(std::string_view name) { return term::capture(name); }

/// A record: rec("say", "alice", "hello") is `say("alice", "hello")`.
template <class... Fields>
term rec(std::string_view label, Fields&&... fields) {
  // Fields on the stack: no temporary vector on this common path.
  const std::array<term, sizeof...(Fields)> v{term(std::forward<Fields>(fields))...};
  return term::record(term::symbol(label), std::span<const term>(v));
}

/// A sequence: seq(1, "two", sym("three")) is `[1, "two", three]`.
template <class... Items>
term seq(Items&&... items) {
  std::vector<term> v;
  v.reserve(sizeof...(Items));
  (v.emplace_back(std::forward<Items>(items)), ...);
  return term::sequence(std::move(v));
}

}  // namespace agora

template <>
struct std::hash<agora::term> {
  std::size_t operator()(const agora::term& t) const noexcept { return t.hash(); }
};
