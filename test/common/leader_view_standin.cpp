// A stand-in for election::leader_view until actors/src/election.cpp lands
// (apps/CMakeLists.txt links it only while that file is missing): the same
// rule — the current leader is the newest epoch seen, on a tie the higher id.
#include "agora/actors/election.hpp"

namespace agora::election {

bool leader_view::appeared(leader_info l) {
  const auto before = current();
  seen_.insert({l.epoch, l.id});
  return current() != before;
}

bool leader_view::disappeared(leader_info l) {
  const auto before = current();
  if (auto it = seen_.find({l.epoch, l.id}); it != seen_.end()) seen_.erase(it);
  return current() != before;
}

std::optional<leader_info> leader_view::current() const {
  if (seen_.empty()) return std::nullopt;
  const auto& [epoch, id] = *seen_.rbegin();
  return leader_info{id, epoch};
}

}  // namespace agora::election
