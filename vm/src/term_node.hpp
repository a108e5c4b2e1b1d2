// Heap representation of terms (private to vm/).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include "agora/term.hpp"

namespace agora::detail {

// Common header of every heap node. Nodes are allocated with a trailing
// payload: characters for text nodes, terms for compound nodes.
struct node {
  std::atomic<std::uint32_t> refs{1};
  std::uint32_t size = 0;    // characters (text) or items (compound)
  // Computed on first use and cached (0: not yet). Racing threads compute
  // the same value, so relaxed loads and stores suffice. Lazy because most
  // terms are never hashed: a message is routed by its shape, and hashing a
  // 64 KiB chunk of bytes on construction cost more than copying it.
  mutable std::atomic<std::size_t> hash{0};
  bool concrete = true;      // compound: no wildcard/capture inside
};

struct text_node : node {
  char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
  const char* chars() const noexcept {
    return reinterpret_cast<const char*>(this + 1);
  }
};

struct compound_node : node {
  term label;  // records: symbol; sequences: unused (false)
  term* items() noexcept { return reinterpret_cast<term*>(this + 1); }
  const term* items() const noexcept {
    return reinterpret_cast<const term*>(this + 1);
  }
};

static_assert(alignof(compound_node) >= alignof(term));
static_assert(sizeof(compound_node) % alignof(term) == 0);

}  // namespace agora::detail
