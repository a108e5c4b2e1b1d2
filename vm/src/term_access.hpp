// What vm/ itself may do with a term beyond its public interface: reach
// its node, and build a compound by moving items in (the decoder's items
// are its own, so no reference count needs touching).
#pragma once

#include <span>

#include "agora/term.hpp"

namespace agora {

class term_access {
 public:
  static const detail::node* node_of(const term& t) noexcept { return t.node_ptr(); }
  /// A record labelled `label` (a symbol) or, with label null, a sequence,
  /// whose items are moved out of `items`.
  static term compound_of(agora::kind k, const term* label, std::span<term> items) {
    return term::adopt_compound(k, label, items);
  }
};

}  // namespace agora
