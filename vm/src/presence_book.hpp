// The presence rules of docs/DESIGN.md section 3, apart from any one level's
// endpoint records: who sees whom, what the flow between two topics is, and
// the multiset of visible counterpart flows an endpoint keeps, whose 0 -> 1
// and 1 -> 0 steps are its presence and absence events. Used by the VM and
// by the cluster level's replica.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "agora/event.hpp"
#include "agora/pattern.hpp"
#include "agora/term.hpp"

namespace agora::detail {

/// Does an endpoint of interest `seer` see a counterpart (opposite role,
/// overlapping topic) of interest `seen`? Participants are seen by all;
/// observers and everything-endpoints only by everything-endpoints.
constexpr bool sees(interest seer, interest seen) noexcept {
  return seen == interest::participant || seer == interest::everything;
}

/// The flow between two overlapping topics: their intersection. Concrete
/// topics are their own flow, which avoids building a term on the common
/// path.
inline term flow_of(const term& p, const term& q) {
  if (q.is_concrete()) return q;
  if (p.is_concrete()) return p;
  auto f = overlap(p, q);
  return f ? std::move(*f) : q;  // callers pass overlapping topics only
}

/// One endpoint's visible counterpart flows, with multiplicity.
class flow_counts {
 public:
  /// One more counterpart with this flow; true if it is the first
  /// (presence).
  bool count_up(const term& flow) { return ++counts_[flow] == 1; }

  /// One counterpart fewer; true if it was the last (absence). A flow not
  /// counted here is ignored (false).
  bool count_down(const term& flow) {
    auto it = counts_.find(flow);
    if (it == counts_.end()) return false;
    if (--it->second > 0) return false;
    counts_.erase(it);
    return true;
  }

  std::uint32_t count(const term& flow) const {
    auto it = counts_.find(flow);
    return it == counts_.end() ? 0 : it->second;
  }
  /// Distinct flows.
  std::size_t size() const noexcept { return counts_.size(); }
  bool empty() const noexcept { return counts_.empty(); }

 private:
  std::unordered_map<term, std::uint32_t> counts_;
};

}  // namespace agora::detail
