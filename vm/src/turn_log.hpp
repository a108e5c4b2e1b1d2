// The actions of the running turn: recorded in order while its handler
// runs, then applied in that order (commit) or forgotten if it threw (roll
// back, which hands back the slots the turn reserved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/term.hpp"

namespace agora::detail {

enum class action_kind : std::uint8_t { add_endpoint, remove_endpoint, send, feedback, spawn, spawn_up, stop };

// Default member initializers everywhere: actions are built with designated
// initializers naming only what they use.
struct action {
  action_kind kind{};
  std::uint64_t id = 0;     // add/remove_endpoint: the endpoint; spawn/stop: the actor
  term payload{};           // send/feedback: the message; remove_endpoint/stop: the reason
  std::uint32_t spec = 0;   // spawn/spawn_up: its spec's place in the log
  std::uint8_t levels = 0;  // send/feedback/spawn_up: VMs up
};

class turn_log {
 public:
  /// `ep` is a reserved endpoint slot, released if the turn rolls back.
  void add_endpoint(endpoint_id ep) { actions_.push_back({.kind = action_kind::add_endpoint, .id = ep.value}); }
  void remove_endpoint(endpoint_id ep, term why) {
    actions_.push_back({.kind = action_kind::remove_endpoint, .id = ep.value, .payload = std::move(why)});
  }
  void send(term m, bool feedback, unsigned levels) {
    auto& a = actions_.emplace_back();  // in place: no temporary to read back
    a.kind = feedback ? action_kind::feedback : action_kind::send;
    a.payload = std::move(m);
    a.levels = static_cast<std::uint8_t>(levels);
  }
  /// `who` is a reserved actor slot, released if the turn rolls back. Returns
  /// the spec as kept (valid until the next action is recorded), so that the
  /// actor's state is built from it after the spawn is recorded: if that
  /// throws, the rollback still releases the slot.
  actor_spec& spawn(actor_id who, actor_spec spec) {
    actions_.push_back({.kind = action_kind::spawn, .id = who.value, .spec = keep(std::move(spec))});
    return specs_.back();
  }
  void spawn_up(actor_spec spec, unsigned levels) {
    actions_.push_back({.kind = action_kind::spawn_up, .spec = keep(std::move(spec)),
                        .levels = static_cast<std::uint8_t>(levels)});
  }
  void stop(actor_id who, term why) {
    actions_.push_back({.kind = action_kind::stop, .id = who.value, .payload = std::move(why)});
  }

  bool empty() const noexcept { return actions_.empty(); }
  std::size_t size() const noexcept { return actions_.size(); }

  /// The spec of a spawn or spawn_up action, to be moved from in commit.
  actor_spec& spec_of(const action& a) noexcept { return specs_[a.spec]; }

  /// Calls apply(action&) for each action in order, then forgets them.
  template <class Apply>
  void commit(Apply&& apply) {
    for (auto& a : actions_) apply(a);
    clear();
  }

  /// Forgets the actions, handing back the slots the turn reserved, in
  /// order: release_endpoint(endpoint_id), release_actor(actor_id).
  template <class ReleaseEndpoint, class ReleaseActor>
  void roll_back(ReleaseEndpoint&& release_endpoint, ReleaseActor&& release_actor) {
    for (const auto& a : actions_) {
      if (a.kind == action_kind::add_endpoint) release_endpoint(endpoint_id{a.id});
      if (a.kind == action_kind::spawn) release_actor(actor_id{a.id});
    }
    clear();
  }

 private:
  std::uint32_t keep(actor_spec&& spec) {
    specs_.push_back(std::move(spec));
    return static_cast<std::uint32_t>(specs_.size() - 1);
  }
  void clear() noexcept {
    actions_.clear();
    specs_.clear();
  }

  std::vector<action> actions_;
  std::vector<actor_spec> specs_;  // of spawn and spawn_up actions
};

}  // namespace agora::detail
