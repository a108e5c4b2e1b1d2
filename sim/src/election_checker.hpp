// The election scenario's checker: every elector's reported state, and
// after every event of the run the invariants of agora/actors/election.hpp.
// With the quorum guard: at most one leader per epoch, and at most one
// acting leader at any virtual instant (acting: a leader, running, whose lease has
// not run out by the true virtual time — a starved leader that has not yet
// noticed is not acting). Without the guard a partition gives each side a
// leader, possibly in the same epoch: what must hold then is that they
// settle on one when it heals (the scenario's end check, for every run).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agora/actors/election.hpp"

namespace agora::sim::detail {

class election_checker {
 public:
  using time = std::chrono::steady_clock::time_point;

  /// One incarnation's elector: when its ticks started, and what it reported.
  struct elector_view {
    std::uint64_t id = 0, incarnation = 0;
    time ticks_from{};                    // tick N falls at ticks_from + N * renew
    election::state last{};
    std::optional<election::leader_info> sees;  // on_leader's current leader
  };

  election_checker(std::chrono::milliseconds renew, bool guard,
                   std::function<void(std::string_view)> note = {})
      : renew_(renew), guard_(guard), note_(std::move(note)) {}

  void violation(std::string text) {
    if (note_) note_("violation: " + text);
    if (violations_.size() < 50) violations_.push_back(std::move(text));
    else if (violations_.size() == 50) violations_.push_back("(more violations left out)");
  }
  std::vector<std::string> take() { return std::move(violations_); }

  /// An elector reported a new state.
  void changed(elector_view& e, const election::state& s) {
    if (s.role == election::role::leader && !(e.last.role == election::role::leader && e.last.epoch == s.epoch)) {
      auto& who = leaders_[s.epoch];
      who.insert({e.id, e.incarnation});
      if (guard_ && who.size() > 1) {
        std::string list;
        for (auto& [id, inc] : who) list += fmt::format(" n{}.{}", id, inc);
        violation(fmt::format("epoch {} has {} leaders:{}", s.epoch, who.size(), list));
      }
      ++changes_;
    }
    e.last = s;
  }

  /// Whether e acts as leader at `now` (it must be running: the caller
  /// passes only electors of nodes that are up).
  bool acting(const elector_view& e, time now) const {
    if (e.last.role != election::role::leader || !e.last.acting) return false;
    return !guard_ || now < e.ticks_from + renew_ * static_cast<std::int64_t>(e.last.lease_until);
  }

  /// After an event: the electors of the nodes that are up now.
  void check_instant(const std::vector<const elector_view*>& running, time now) {
    if (!guard_) return;
    std::vector<const elector_view*> acting_now;
    for (auto* e : running)
      if (acting(*e, now)) acting_now.push_back(e);
    if (acting_now.size() > 1 && !two_acting_told_) {
      two_acting_told_ = true;  // once: it would repeat after every event
      std::string list;
      for (auto* e : acting_now) list += fmt::format(" n{} (epoch {})", e->id, e->last.epoch);
      violation(fmt::format("{} acting leaders at once:{}", acting_now.size(), list));
    }
  }

  std::uint64_t leader_changes() const noexcept { return changes_; }

 private:
  std::chrono::milliseconds renew_;
  bool guard_;
  std::function<void(std::string_view)> note_;
  std::vector<std::string> violations_;
  std::map<std::uint64_t, std::set<std::pair<std::uint64_t, std::uint64_t>>> leaders_;  // epoch -> (id, inc)
  std::uint64_t changes_ = 0;
  bool two_acting_told_ = false;
};

}  // namespace agora::sim::detail
