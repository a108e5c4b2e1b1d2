#include "agora/term.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <type_traits>

#include <boost/container/small_vector.hpp>

#include "hash_mix.hpp"
#include "term_access.hpp"
#include "term_node.hpp"
#include "utf8.hpp"

namespace agora {

namespace {

constexpr std::size_t inline_capacity = 14;

using detail::mix;

std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix(h ^ w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return mix(h ^ tail ^ (static_cast<std::uint64_t>(s.size()) << 56));
}

std::uint64_t double_order_key(double d) noexcept {
  auto bits = std::bit_cast<std::uint64_t>(d);
  return (bits & 0x8000000000000000ULL) ? ~bits : bits | 0x8000000000000000ULL;
}

/// Cached hashes are never 0 (0 marks "not computed yet").
std::size_t cacheable(std::uint64_t h) noexcept { return h == 0 ? 1 : static_cast<std::size_t>(h); }

std::size_t text_hash(const detail::text_node* n, kind k) noexcept {
  if (auto h = n->hash.load(std::memory_order_relaxed)) return h;
  const auto h = cacheable(hash_bytes({n->chars(), n->size}, static_cast<std::uint64_t>(k)));
  n->hash.store(h, std::memory_order_relaxed);
  return h;
}

std::uint64_t compound_seed(const detail::compound_node* n) noexcept {
  const bool is_record = n->label.is_symbol();
  const auto k = static_cast<std::uint64_t>(is_record ? kind::record : kind::sequence);
  std::uint64_t h = mix(k * 0x9e3779b97f4a7c15ULL ^ n->size);
  if (is_record) h = mix(h ^ n->label.hash());
  return h;
}

/// The hash of a compound node, computing (and caching) those of compound
/// children not hashed yet without recursion: terms may be deeper than the
/// stack.
std::size_t compound_hash(const detail::compound_node* root) noexcept {
  if (auto h = root->hash.load(std::memory_order_relaxed)) return h;
  struct frame {
    const detail::compound_node* n;
    std::uint32_t next;
    std::uint64_t h;
  };
  // The path from the root: the first levels in place (no allocation for
  // the usual shallow term), deeper ones on the heap.
  boost::container::small_vector<frame, 8> up;
  frame cur{root, 0, compound_seed(root)};
  for (;;) {
    if (cur.next < cur.n->size) {
      const term& child = cur.n->items()[cur.next];
      if (child.kind() == kind::sequence || child.kind() == kind::record) {
        auto* cn = static_cast<const detail::compound_node*>(term_access::node_of(child));
        const auto ch = cn->hash.load(std::memory_order_relaxed);
        if (ch == 0) {
          up.push_back(cur);
          cur = {cn, 0, compound_seed(cn)};
          continue;
        }
        cur.h = mix(cur.h + ch);
      } else {
        cur.h = mix(cur.h + child.hash());
      }
      ++cur.next;
      continue;
    }
    const auto done = cacheable(cur.h);
    cur.n->hash.store(done, std::memory_order_relaxed);
    if (up.empty()) return done;
    cur = up.back();
    up.pop_back();
    cur.h = mix(cur.h + done);
    ++cur.next;
  }
}

[[noreturn]] void wrong_kind(kind expected, kind actual) {
  throw term_error(fmt::format("expected a term of kind {}, got {}",
                               kind_name(expected), kind_name(actual)));
}

}  // namespace

std::string_view kind_name(kind k) noexcept {
  switch (k) {
    case kind::boolean: return "boolean";
    case kind::integer: return "integer";
    case kind::real: return "double";
    case kind::string: return "string";
    case kind::bytes: return "bytes";
    case kind::symbol: return "symbol";
    case kind::sequence: return "sequence";
    case kind::record: return "record";
    case kind::wildcard: return "wildcard";
    case kind::capture: return "capture";
  }
  return "unknown";
}

// ---- construction -----------------------------------------------------------

term::term(double d) noexcept {
  set_kind(kind::real);
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
  store(d);
}

term::term(std::string_view s) : term(string(s)) {}

term term::make_text(agora::kind k, std::string_view s) {
  if (s.size() > std::numeric_limits<std::uint32_t>::max())
    throw term_error("text longer than 4 GiB");
  term t;
  t.set_kind(k);
  if (s.size() <= inline_capacity) {
    t.raw_[1] = static_cast<unsigned char>(s.size());
    if (!s.empty()) std::memcpy(t.raw_ + 2, s.data(), s.size());
    return t;
  }
  void* mem = ::operator new(sizeof(detail::text_node) + s.size());
  auto* n = new (mem) detail::text_node{};
  n->size = static_cast<std::uint32_t>(s.size());
  std::memcpy(n->chars(), s.data(), s.size());
  t.raw_[1] = heap_tag;
  t.store(static_cast<detail::node*>(n));
  return t;
}

term term::string(std::string_view utf8) {
  if (auto bad = detail::first_invalid_utf8(utf8); bad != std::string_view::npos)
    throw term_error(fmt::format("invalid UTF-8 in string at byte {}", bad));
  return make_text(kind::string, utf8);
}

term term::bytes(std::span<const std::byte> data) {
  return make_text(kind::bytes,
                   {reinterpret_cast<const char*>(data.data()), data.size()});
}

term term::bytes(std::string_view data) { return make_text(kind::bytes, data); }

term term::symbol(std::string_view name) {
  if (auto bad = detail::first_invalid_utf8(name); bad != std::string_view::npos)
    throw term_error(fmt::format("invalid UTF-8 in symbol at byte {}", bad));
  return make_text(kind::symbol, name);
}

term term::capture(std::string_view name) {
  if (!detail::is_identifier(name))
    throw term_error(fmt::format(
        "capture name '{}' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
        name));
  return make_text(kind::capture, name);
}

template <class Items>
term term::build_compound(agora::kind k, const term* label, Items items) {
  if (items.size() > std::numeric_limits<std::uint32_t>::max())
    throw term_error("compound term with more than 2^32 items");
  void* mem =
      ::operator new(sizeof(detail::compound_node) + items.size() * sizeof(term));
  auto* n = new (mem) detail::compound_node{};
  n->size = static_cast<std::uint32_t>(items.size());
  if (label) n->label = *label;
  bool concrete = true;
  term* out = n->items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    concrete = concrete && items[i].is_concrete();
    if constexpr (std::is_const_v<typename Items::element_type>)
      new (out + i) term(items[i]);
    else
      new (out + i) term(std::move(items[i]));
  }
  n->concrete = concrete;
  term t;
  t.set_kind(k);
  t.store(static_cast<detail::node*>(n));
  return t;
}

term term::make_compound(agora::kind k, const term* label,
                         std::span<const term> items) {
  return build_compound(k, label, items);
}

term term::adopt_compound(agora::kind k, const term* label, std::span<term> items) {
  return build_compound(k, label, items);
}

term term::make_compound(agora::kind k, const term* label,
                         std::vector<term>&& items) {
  return adopt_compound(k, label, std::span<term>(items));
}

term term::sequence(std::vector<term> items) {
  return make_compound(kind::sequence, nullptr, std::move(items));
}

term term::sequence(std::span<const term> items) {
  return make_compound(kind::sequence, nullptr, items);
}

term term::record(std::string_view label, std::vector<term> fields) {
  term l = symbol(label);
  return make_compound(kind::record, &l, std::move(fields));
}

term term::record(const term& label_symbol, std::span<const term> fields) {
  if (!label_symbol.is_symbol())
    throw term_error(fmt::format("a record label must be a symbol, got {}",
                                 kind_name(label_symbol.kind())));
  return make_compound(kind::record, &label_symbol, fields);
}

// ---- reference counting -----------------------------------------------------

namespace {

/// Drops one reference to n; true if it was the last. A holder of the only
/// reference frees without an atomic read-modify-write: no other thread can
/// take a reference then (it would need one to copy).
bool drop_ref(detail::node* n) noexcept {
  if (n->refs.load(std::memory_order_acquire) == 1) return true;
  return n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

}  // namespace

void term::retain_node() const noexcept { node_ptr()->refs.fetch_add(1, std::memory_order_relaxed); }

void term::release_node() noexcept {
  detail::node* n = node_ptr();
  if (!drop_ref(n)) return;
  if (kind() != kind::sequence && kind() != kind::record) {
    static_cast<detail::text_node*>(n)->~text_node();
    ::operator delete(n);
    return;
  }
  // Compound nodes are freed iteratively, so that dropping a very deep term
  // cannot overflow the stack. Dead nodes are chained through their (no
  // longer needed) hash field: no allocation in a destructor.
  auto* dead = static_cast<detail::compound_node*>(n);
  dead->hash.store(0, std::memory_order_relaxed);
  while (dead) {
    auto* c = dead;
    dead = reinterpret_cast<detail::compound_node*>(c->hash.load(std::memory_order_relaxed));
    term* it = c->items();
    for (std::uint32_t i = 0; i < c->size; ++i) {
      term& child = it[i];
      if (child.kind() == kind::sequence || child.kind() == kind::record) {
        auto* cn = static_cast<detail::compound_node*>(child.node_ptr());
        if (drop_ref(cn)) {
          cn->hash.store(reinterpret_cast<std::size_t>(dead), std::memory_order_relaxed);
          dead = cn;
        }
        child.set_kind(kind::boolean);  // released by hand: make the destructor a no-op
      }
      child.~term();
    }
    c->~compound_node();
    ::operator delete(c);
  }
}

// ---- inspection -------------------------------------------------------------

std::string_view term::text_payload() const noexcept {
  if (raw_[1] == heap_tag) {
    auto* n = static_cast<const detail::text_node*>(node_ptr());
    return {n->chars(), n->size};
  }
  return {reinterpret_cast<const char*>(raw_ + 2), raw_[1]};
}

bool term::is_concrete() const noexcept {
  switch (kind()) {
    case kind::wildcard:
    case kind::capture:
      return false;
    case kind::sequence:
    case kind::record:
      return node_ptr()->concrete;
    default:
      return true;
  }
}

bool term::is_record(std::string_view l) const noexcept {
  return is_record() && label() == l;
}

bool term::is_record(std::string_view l, std::size_t arity) const noexcept {
  return is_record() && size() == arity && label() == l;
}

bool term::as_bool() const {
  if (!is_bool()) wrong_kind(kind::boolean, kind());
  return raw_[1] != 0;
}

std::int64_t term::as_int() const {
  if (!is_int()) wrong_kind(kind::integer, kind());
  return load<std::int64_t>();
}

double term::as_double() const {
  if (!is_double()) wrong_kind(kind::real, kind());
  return load<double>();
}

std::string_view term::as_string() const {
  if (!is_string()) wrong_kind(kind::string, kind());
  return text_payload();
}

std::string_view term::as_bytes() const {
  if (!is_bytes()) wrong_kind(kind::bytes, kind());
  return text_payload();
}

std::string_view term::as_symbol() const {
  if (!is_symbol()) wrong_kind(kind::symbol, kind());
  return text_payload();
}

std::string_view term::capture_name() const {
  if (!is_capture()) wrong_kind(kind::capture, kind());
  return text_payload();
}

std::string_view term::label() const {
  if (!is_record()) wrong_kind(kind::record, kind());
  return static_cast<const detail::compound_node*>(node_ptr())->label.text_payload();
}

term term::label_term() const {
  if (!is_record()) wrong_kind(kind::record, kind());
  return static_cast<const detail::compound_node*>(node_ptr())->label;
}

std::span<const term> term::items() const noexcept {
  if (kind() != kind::sequence && kind() != kind::record) return {};
  auto* c = static_cast<const detail::compound_node*>(node_ptr());
  return {c->items(), c->size};
}

const term& term::operator[](std::size_t i) const {
  if (kind() != kind::sequence && kind() != kind::record)
    throw term_error(fmt::format("cannot index a term of kind {}",
                                 kind_name(kind())));
  auto it = items();
  if (i >= it.size())
    throw term_error(fmt::format("index {} out of range for {} of size {}", i,
                                 kind_name(kind()), it.size()));
  return it[i];
}

// ---- hashing and comparison -------------------------------------------------

std::size_t term::hash() const noexcept {
  switch (kind()) {
    case kind::boolean:
    case kind::integer:
    case kind::real:
    case kind::wildcard: {
      std::uint64_t a, b;
      std::memcpy(&a, raw_, 8);
      std::memcpy(&b, raw_ + 8, 8);
      return mix(a * 0x9e3779b97f4a7c15ULL ^ b);
    }
    case kind::string:
    case kind::bytes:
    case kind::symbol:
    case kind::capture:
      if (raw_[1] == heap_tag)
        return text_hash(static_cast<const detail::text_node*>(node_ptr()), kind());
      return hash_bytes(text_payload(), static_cast<std::uint64_t>(kind()));
    case kind::sequence:
    case kind::record:
      return compound_hash(static_cast<const detail::compound_node*>(node_ptr()));
  }
  return 0;
}

bool operator==(const term& a, const term& b) noexcept {
  if (a.kind() != b.kind()) return false;
  if (!a.on_heap() || !b.on_heap())
    return std::memcmp(a.raw_, b.raw_, sizeof a.raw_) == 0;
  const detail::node* na = a.node_ptr();
  const detail::node* nb = b.node_ptr();
  if (na == nb) return true;
  if (na->size != nb->size) return false;
  {
    // Hashes decide only when both are known: computing one here would
    // cost more than the comparison.
    const auto ha = na->hash.load(std::memory_order_relaxed);
    const auto hb = nb->hash.load(std::memory_order_relaxed);
    if (ha != 0 && hb != 0 && ha != hb) return false;
  }
  switch (a.kind()) {
    case kind::sequence:
    case kind::record: {
      auto* ca = static_cast<const detail::compound_node*>(na);
      auto* cb = static_cast<const detail::compound_node*>(nb);
      if (!(ca->label == cb->label)) return false;
      return std::equal(ca->items(), ca->items() + ca->size, cb->items());
    }
    default:
      return a.text_payload() == b.text_payload();
  }
}

std::strong_ordering operator<=>(const term& a, const term& b) noexcept {
  if (a.kind() != b.kind()) return a.kind() <=> b.kind();
  switch (a.kind()) {
    case kind::boolean:
      return a.raw_[1] <=> b.raw_[1];
    case kind::integer:
      return a.load<std::int64_t>() <=> b.load<std::int64_t>();
    case kind::real:
      return double_order_key(a.load<double>()) <=>
             double_order_key(b.load<double>());
    case kind::wildcard:
      return std::strong_ordering::equal;
    case kind::string:
    case kind::bytes:
    case kind::symbol:
    case kind::capture: {
      auto x = a.text_payload(), y = b.text_payload();
      int c = x.compare(y);  // char_traits<char>::compare is unsigned (memcmp)
      return c <=> 0;
    }
    case kind::sequence:
    case kind::record: {
      if (a.node_ptr() == b.node_ptr()) return std::strong_ordering::equal;
      if (a.is_record()) {
        auto c = a.label_term() <=> b.label_term();
        if (c != 0) return c;
      }
      auto x = a.items(), y = b.items();
      return std::lexicographical_compare_three_way(x.begin(), x.end(),
                                                    y.begin(), y.end());
    }
  }
  return std::strong_ordering::equal;
}

}  // namespace agora
