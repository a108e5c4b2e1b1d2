// The VM's machinery (private to vm/): slot tables for actors and endpoints,
// two routing indexes, flow multisets for presence, the event queue and the
// turn protocol (record actions, then commit or roll back).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agora/actor.hpp"
#include "agora/routing_index.hpp"
#include "agora/vm.hpp"

namespace agora::detail {

inline constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

enum class slot_status : std::uint8_t { free, reserved, live };

/// Presence bookkeeping of one endpoint: visible counterpart flows with
/// their multiplicity.
using flow_counts = std::unordered_map<term, std::uint32_t>;

struct endpoint_slot {
  term topic;
  std::shared_ptr<const handler_set> handlers;
  std::unique_ptr<flow_counts> flows;  // allocated on first visible flow
  std::uint32_t generation = 0;
  std::uint32_t owner = no_slot;       // actor slot
  std::uint32_t prev = no_slot;        // the owner's endpoint list
  std::uint32_t next = no_slot;        // ... or the free list
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  slot_status status = slot_status::free;
};

// Kept small: 100,000 idle actors should cost little. Names and pending
// first turns live in side tables, since most actors have neither for long.
struct actor_slot {
  std::unique_ptr<state_base> state;
  std::uint32_t generation = 0;
  std::uint32_t first_endpoint = no_slot;
  std::uint32_t endpoint_count = 0;
  std::uint32_t next_free = no_slot;
  slot_status status = slot_status::free;
  bool named = false;
  bool start_pending = false;
};

enum class event_kind : std::uint8_t { start, presence, absence, message, feedback };

struct queued_event {
  std::uint64_t target;  // endpoint id, or actor id for start
  term topic;            // flow or message body
  term why;              // absence reason
  event_kind kind;
};

enum class action_kind : std::uint8_t { add_endpoint, remove_endpoint, send, feedback, spawn, stop };

struct action {
  action_kind kind;
  std::uint64_t id = 0;  // endpoint or actor id
  term payload;          // message or reason
};

class vm_core final : public turn_sink {
 public:
  explicit vm_core(std::string name);
  ~vm_core();

  const std::string& name() const noexcept { return name_; }

  // Outside actions: applied at once.
  actor_id spawn_now(actor_spec spec);
  void send_now(const term& m, bool feedback);
  void stop_now(actor_id who, const reason& why);
  void stop_all(const reason& why);

  bool step();
  bool idle() const noexcept { return queue_.empty(); }

  bool alive(actor_id a) const noexcept;
  std::string_view actor_name(actor_id a) const noexcept;
  vm_stats stats() const noexcept;

  // turn_sink: actions recorded during a turn.
  endpoint_id add_endpoint(actor_id owner, endpoint_spec spec, unsigned levels) override;
  void remove_endpoint(actor_id owner, endpoint_id ep, reason why) override;
  void send(term m, bool feedback, unsigned levels) override;
  actor_id spawn(actor_spec spec) override;
  void spawn_at(actor_spec spec, unsigned levels) override;
  void stop(actor_id who, reason why) override;
  unsigned depth() const noexcept override { return depth_; }

 private:
  // slots
  std::uint32_t reserve_actor();
  std::uint32_t reserve_endpoint();
  void release_actor(std::uint32_t a);
  void release_endpoint(std::uint32_t e);
  /// Builds the state, records name and first turn of a reserved actor slot.
  void prepare_actor(std::uint32_t a, actor_spec& spec);
  actor_slot* live_actor(actor_id a) noexcept;
  const actor_slot* live_actor(actor_id a) const noexcept;
  endpoint_slot* live_endpoint(std::uint64_t id) noexcept;
  actor_id id_of_actor(std::uint32_t a) const noexcept {
    return actor_id::make(a, actors_[a].generation);
  }
  endpoint_id id_of_endpoint(std::uint32_t e) const noexcept {
    return endpoint_id::make(e, endpoints_[e].generation);
  }

  // applying actions
  std::uint32_t fill_endpoint(std::uint32_t owner, endpoint_spec&& spec);
  void activate_endpoint(std::uint32_t e);
  void deactivate_endpoint(std::uint32_t e, const term& why);
  void activate_actor(std::uint32_t a, actor_spec&& spec);
  void terminate_actor(std::uint32_t a, const term& why);
  void route(const term& m, bool feedback);
  /// Fills found_ with the entries f reports, in creation (slot) order, so
  /// that delivery order does not depend on the index's internal layout.
  template <class Query>
  void collect(Query&& query);
  void commit(std::uint32_t actor);
  void rollback();

  // running a turn
  template <class Invoke>
  void run_turn(std::uint32_t actor, Invoke&& invoke);
  void enqueue(std::uint64_t target, event_kind k, term topic, term why = {});

  std::string name_;
  std::deque<actor_slot> actors_;        // deque: slots never move
  std::deque<endpoint_slot> endpoints_;
  std::unordered_map<std::uint32_t, std::string> names_;  // by actor slot
  std::unordered_map<std::uint32_t, std::function<void(turn_base&)>> starts_;
  std::uint32_t free_actor_ = no_slot;
  std::uint32_t free_endpoint_ = no_slot;
  std::size_t live_actors_ = 0;
  std::size_t live_endpoints_ = 0;

  routing_index publishers_;
  routing_index subscribers_;
  std::deque<queued_event> queue_;
  // Targets of multicast entries (kind message/feedback with target = 0 and
  // `why` holding the number of targets), consumed in queue order.
  std::deque<std::uint64_t> fan_targets_;
  std::vector<std::uint64_t> found_;  // scratch: endpoints a query reported

  // the running turn
  std::vector<action> actions_;
  std::vector<actor_spec> spawns_;  // specs of spawn actions, by action order

  vm_stats stats_;
  unsigned depth_ = 0;
};

}  // namespace agora::detail
