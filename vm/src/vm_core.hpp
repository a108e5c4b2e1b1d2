// The VM's wiring (private to vm/): actors and endpoints in slot tables, two
// routing indexes, presence by the rules of presence_book.hpp, the event
// queue, turns recorded in a turn log and then committed or rolled back, and
// the links to the parent VM and to nested VMs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agora/actor.hpp"
#include "agora/log.hpp"
#include "agora/trace.hpp"
#include "agora/vm.hpp"
#include "nested_links.hpp"
#include "presence_book.hpp"
#include "routing_index.hpp"
#include "slot_table.hpp"
#include "turn_log.hpp"
#include "vm_link.hpp"

namespace agora::detail {

struct endpoint_slot {
  term topic;
  std::shared_ptr<const handler_set> handlers;
  std::unique_ptr<flow_counts> flows;  // allocated on first visible flow
  std::uint32_t generation = 0;
  std::uint32_t owner = no_slot;       // actor slot
  std::uint32_t prev = no_slot;        // the owner's endpoint list
  std::uint32_t next = no_slot;        // ... or the free list (endpoint_table)
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  slot_status status = slot_status::free;
  std::uint8_t level = 0;  // > 0: a meta-level endpoint, declared that many VMs up
  bool relay = false;      // a nested VM's stand-in: its events go straight down
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
  bool hosts_vm = false;  // a nested VM's proxy: never inert, has a link
};

using actor_table = slot_table<actor_slot, actor_id, &actor_slot::next_free>;
using endpoint_table = slot_table<endpoint_slot, endpoint_id, &endpoint_slot::next>;

struct queued_event {
  std::uint64_t target = 0;  // endpoint id; actor id for start and posted; 0 for a multicast entry
  term topic{};              // flow or message body
  term why{};                // absence reason
  event_kind kind = event_kind::message;
  // A multicast entry (message or feedback): how many of its targets, which
  // wait in fan_targets_, are still to be served.
  std::uint32_t fan_out = 0;
};

class vm_core final : public turn_sink {
 public:
  /// A root VM (depth 0) or, with `up`, a VM nested `depth` levels deep
  /// whose meta-level actions go through `up`. `exec` starts nested VMs
  /// (null: spawning a nested VM throws).
  /// `cluster_above`: the root of this tree has an upper level (the
  /// cluster), one level above the root.
  explicit vm_core(std::string name, vm_executor* exec = nullptr, unsigned depth = 0,
                   std::string path = {}, std::unique_ptr<link_channel> up = nullptr,
                   bool cluster_above = false);
  ~vm_core();

  const std::string& name() const noexcept { return name_; }
  /// Names from the root down, "ground/jobs".
  const std::string& path() const noexcept { return path_; }

  // Nesting.
  /// Applies a batch from the child VM behind `link` (stale links: ignored).
  void receive_up(std::uint64_t link, link_batch&& ops);
  /// Applies a batch from the parent VM.
  void receive_down(link_batch&& ops);
  /// Hands every non-empty outbox to its channel. The executor calls this
  /// after each slice: one batch per link per slice.
  void flush_links();
  /// Operations collected for the parent (or the upper level) this slice.
  std::size_t up_pending() const noexcept { return links_.up_pending(); }
  /// Gives a root VM its upper level (the cluster): its actions at level 1
  /// go to `up`; events come back through receive_down. Before any spawn.
  void attach_upper(std::unique_ptr<link_channel> up);
  /// A nested VM is finished once it has no actors left (it has then
  /// reported done, or was stopped by its parent).
  bool finished() const noexcept { return depth_ > 0 && actors_.live_count() == 0 && started_; }
  /// The executor calls this once the nested VM's initial children exist.
  void mark_started();
  /// Called whenever an actor of this VM stops (used by the ground).
  void on_actor_exit(std::function<void(actor_id, const term&)> f) { exit_hook_ = std::move(f); }

  // Outside actions: applied at once.
  actor_id spawn_now(actor_spec spec);
  void send_now(const term& m, bool feedback);
  void stop_now(actor_id who, const reason& why);
  void stop_all(const reason& why);
  /// Queues f to run as a turn of actor `who`, after the events queued now;
  /// dropped if `who` has stopped by then.
  void post_turn(actor_id who, std::function<void(turn_base&)> f);

  bool step();
  bool idle() const noexcept { return queue_.empty(); }

  /// Tracing (trace.hpp): empty = off. Executors pass trace() on to the
  /// cores of nested VMs they start, before spawning their children.
  void set_trace(trace_sink sink) { trace_ = std::move(sink); }
  const trace_sink& trace() const noexcept { return trace_; }
  /// Where this VM reports what no actor is told about (log.hpp).
  /// Executors pass it on to nested VMs, like trace().
  void set_log(log_sink sink) { log_ = std::move(sink); }
  const log_sink& log() const noexcept { return log_; }

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
  unsigned reach() const noexcept override { return reach_; }

 private:
  friend class nested_links;  // calls the link host functions below

  // slots
  /// Releases an actor slot with its side tables.
  void release_actor(std::uint32_t a);
  /// Builds the state, records name and first turn of a reserved actor slot.
  void prepare_actor(std::uint32_t a, actor_spec& spec);

  // applying actions
  std::uint32_t fill_endpoint(std::uint32_t owner, endpoint_spec&& spec);
  void activate_endpoint(std::uint32_t e);
  void deactivate_endpoint(std::uint32_t e, const term& why);
  /// Takes a local endpoint out of the index; counterparts lose its flows.
  void withdraw_flows(std::uint32_t e, std::uint64_t id, const term& why);
  void activate_actor(std::uint32_t a, actor_spec&& spec);
  void terminate_actor(std::uint32_t a, const term& why);
  void route(const term& m, bool feedback);
  void start_nested(std::uint32_t a, const actor_spec& spec);
  /// A reason leaving this VM: crashed(what) gains where it happened.
  term located(const term& why, std::uint32_t actor) const;
  /// Fills found_ with the entries f reports, in creation (slot) order, so
  /// that delivery order does not depend on the index's internal layout.
  template <class Query>
  void collect(Query&& query);
  void commit(std::uint32_t actor);
  void rollback();

  // the link host (nested_links.hpp)
  std::uint32_t add_relay(std::uint32_t proxy, link_op& add,
                          std::shared_ptr<const relay_handlers> handlers);
  void remove_relay(std::uint32_t e, const term& why);
  void spawn_from_child(std::uint32_t proxy, actor_spec&& spec);
  void child_done(std::uint32_t proxy, const term& why);
  void event_from_parent(link_op& op) {  // here, inlined: one call per event
    if (trace_) [[unlikely]] trace_queued(op.id, op.event, op.topic, op.why, true);
    enqueue(op.id, op.event, std::move(op.topic), std::move(op.why));
  }
  void stop_from_parent(const term& why);
  void on_batch(const link_batch& ops, std::uint32_t proxy) {
    if (trace_) [[unlikely]] trace_batch(ops, proxy);
  }

  // running a turn
  template <class Invoke>
  void run_turn(std::uint32_t actor, const queued_event& ev, Invoke&& invoke);
  void enqueue(std::uint64_t target, event_kind k, term topic, term why = {});

  // tracing: called only when trace_ is set, out of line (vm_trace.cpp) and
  // cold, so that each trace point costs one branch when tracing is off
  [[gnu::cold]] void trace_turn_start(std::uint32_t actor, const queued_event& ev);
  [[gnu::cold]] void trace_turn_end(std::uint32_t actor, std::size_t actions,
                                    const std::string* crash);
  [[gnu::cold]] void trace_endpoint(std::uint32_t e, const term* removed_why);
  [[gnu::cold]] void trace_queued(std::uint64_t endpoint, event_kind k, const term& flow,
                                  const term& why, bool from_parent);
  [[gnu::cold]] void trace_route(const term& m, bool feedback, std::size_t targets);
  [[gnu::cold]] void trace_batch(const link_batch& ops, std::uint32_t proxy);
  [[gnu::cold]] void trace_spawn(std::uint32_t actor, const actor_spec& spec);
  [[gnu::cold]] void trace_stop(std::uint32_t actor, const term& why);
  std::string trace_actor(std::uint32_t actor) const;
  void trace_line(std::string_view text);

  std::string name_;
  actor_table actors_;
  endpoint_table endpoints_;
  std::unordered_map<std::uint32_t, std::string> names_;  // by actor slot
  std::unordered_map<std::uint32_t, std::function<void(turn_base&)>> starts_;
  std::size_t spawned_ = 0;  // actors activated so far

  routing_index publishers_;
  routing_index subscribers_;
  std::deque<queued_event> queue_;
  // Targets of multicast entries, consumed in queue order.
  std::deque<std::uint64_t> fan_targets_;
  // The functions of posted turns (kind posted), consumed in queue order.
  std::deque<std::function<void(turn_base&)>> posted_;
  std::vector<std::uint64_t> found_;  // scratch: endpoints a query reported

  turn_log turn_log_;  // the running turn's actions

  vm_stats stats_;
  trace_sink trace_;  // empty: tracing off
  log_sink log_ = log_to_stderr();

  // nesting
  vm_executor* exec_ = nullptr;
  unsigned depth_ = 0;
  unsigned reach_ = 0;  // levels above: depth_, plus one with a cluster above the root
  std::string path_;
  nested_links links_;
  bool started_ = false;   // set once the initial children were spawned
  bool reported_done_ = false;
  term last_exit_;
  std::function<void(actor_id, const term&)> exit_hook_;
};

/// Spawns a nested VM's initial children in order, then marks it started.
/// A child whose state cannot be built is reported to core.log() and skipped.
void spawn_children(vm_core& core, const nested_vm_spec& spec);

}  // namespace agora::detail
