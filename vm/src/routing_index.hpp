// The routing index: a trie over the structure of patterns (after Minimart /
// Syndicate), answering "which entries does this message match" and "which
// entries overlap this pattern". Cost depends on the shape of the query and
// on the entries that can match, not on the number of entries that cannot.
//
// A pattern is flattened into a prefix-free token stream: a record opens with
// (label, arity), a sequence with (length), atoms are themselves, and `_` or
// `$name` stand for one whole subterm. Each trie node has exact edges (a hash
// map) and one wildcard edge; entries live at the node that ends their
// pattern.
//
// Not thread-safe: one index belongs to one VM. Private to vm/ (the tests
// reach it through vm/src on their include path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "agora/term.hpp"
#include "function_ref.hpp"

namespace agora {

class routing_index {
 public:
  using entry = std::uint64_t;  // opaque, chosen by the caller

  routing_index();
  ~routing_index();
  routing_index(routing_index&&) noexcept;
  routing_index& operator=(routing_index&&) noexcept;
  routing_index(const routing_index&) = delete;
  routing_index& operator=(const routing_index&) = delete;

  /// Adds entry e under pattern p. The same (p, e) may be added twice; it is
  /// then stored twice.
  void add(const term& p, entry e);
  /// Removes one occurrence of (p, e); p must equal the pattern used in add()
  /// up to capture names. Returns false if it was not there.
  bool remove(const term& p, entry e);

  /// Calls f(e) once for every entry whose pattern matches the concrete term m.
  void for_each_match(const term& m, function_ref<void(entry)> f) const;
  /// Calls f(e) once for every entry whose pattern overlaps pattern p.
  void for_each_overlap(const term& p, function_ref<void(entry)> f) const;

  std::size_t size() const noexcept;  // number of stored entries
  bool empty() const noexcept { return size() == 0; }
  /// Number of trie nodes (for memory accounting and tests).
  std::size_t node_count() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agora
