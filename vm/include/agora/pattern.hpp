// Patterns: terms that may contain the wildcard `_` and captures `$name`.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "agora/term.hpp"

namespace agora {

/// Values bound by the captures of a pattern, in the order the captures
/// appear in the pattern (depth-first, left to right). A capture name may
/// appear more than once; each occurrence binds independently and lookup by
/// name returns the first.
class bindings {
 public:
  struct binding {
    term name;   // the capture term itself ($name)
    term value;  // what it matched
  };

  bindings() = default;
  /// The value bound to $name; throws term_error if there is no such capture.
  const term& operator[](std::string_view name) const;
  /// The value bound to $name, or nullptr.
  const term* find(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }
  std::size_t size() const noexcept { return list_.size(); }
  bool empty() const noexcept { return list_.empty(); }
  auto begin() const noexcept { return list_.begin(); }
  auto end() const noexcept { return list_.end(); }
  void add(term name, term value) { list_.push_back({std::move(name), std::move(value)}); }
  void clear() noexcept { list_.clear(); }

 private:
  std::vector<binding> list_;
};

/// Does `value` fit `pattern`? `value` may itself contain wildcards (a flow):
/// then a wildcard in `value` is only matched by a wildcard or capture in
/// `pattern`. Never allocates.
bool matches(const term& pattern, const term& value) noexcept;

/// Like matches(), and returns what the captures bound.
std::optional<bindings> match(const term& pattern, const term& value);

/// Fills `out` (cleared first) with the bindings; returns false if no match.
bool match_into(const term& pattern, const term& value, bindings& out);

/// Is there a term that fits both p and q? If so, the most general such
/// pattern: captures become wildcards, and where one side is `_` or a
/// capture the other side's subterm is taken. The result contains no
/// captures. A term t fits overlap(p, q) exactly when it fits both p and q.
std::optional<term> overlap(const term& p, const term& q);

/// Cheaper test of the same thing, without building the intersection.
bool overlaps(const term& p, const term& q) noexcept;

/// The pattern with every capture replaced by `_`.
term strip_captures(const term& p);

}  // namespace agora
