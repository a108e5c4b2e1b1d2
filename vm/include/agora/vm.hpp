// agora::vm — one VM: hosts actors, holds the routing index, applies actions
// and delivers events, one turn at a time.
//
// This class is the deterministic core: nothing runs until you call step()
// or run(). agora::runtime (runtime.hpp) runs VMs as CAF actors, in parallel.
//
//   agora::vm vm;
//   vm.spawn(agora::actor<>{}.on_message(rec("ping", _), ...));
//   vm.send(rec("ping", 1));
//   vm.run();   // until idle
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"
#include "agora/trace.hpp"
#include "agora/upper_level.hpp"

namespace agora {

namespace detail {
class vm_core;
struct vm_access;
class vm_tree;
}

struct vm_stats {
  std::uint64_t turns = 0;             // handler invocations
  std::uint64_t events_delivered = 0;  // events that reached a handler
  std::uint64_t events_dropped = 0;    // events whose endpoint had gone
  std::uint64_t crashes = 0;           // turns that threw
  std::uint64_t trace_errors = 0;      // trace lines whose sink threw (swallowed)
  std::size_t actors = 0;              // live now
  std::size_t endpoints = 0;           // live now
  std::size_t queued = 0;              // events waiting now
};

class vm {
 public:
  explicit vm(std::string name = "vm");
  /// A root VM with `upper` standing above it (e.g. a simulated cluster
  /// level): its actors reach it with t.at_cluster(). upper->start() is
  /// called now and upper->stop() when the VM is destroyed.
  vm(std::string name, std::shared_ptr<upper_level> upper);
  ~vm();
  vm(vm&&) noexcept;
  vm& operator=(vm&&) noexcept;
  vm(const vm&) = delete;
  vm& operator=(const vm&) = delete;

  const std::string& name() const noexcept;

  // ---- actions from outside the VM (applied at once, in call order) -------

  /// Spawns an actor; its initial endpoints exist when this returns.
  actor_id spawn(actor_spec spec);
  /// Sends / feeds back m as if from an actor of this VM. m must be concrete.
  void send(term m);
  void feedback(term m);
  /// Stops an actor (no-op if it is already gone).
  void stop(actor_id who, reason why = reason::quit());
  /// Stops every actor, each with `why` (e.g. shutdown).
  void stop_all(reason why);
  /// Runs f as a turn of actor `who`, after the events queued now: f acts
  /// through the turn (send, add endpoints, spawn, quit, ...), and if it
  /// throws, `who` crashes as with any handler. Dropped if `who` has
  /// stopped by then. This is how an io_port runs I/O completions as turns
  /// of their driver.
  void post(actor_id who, std::function<void(turn_base&)> f);

  // ---- running ------------------------------------------------------------

  /// Delivers one event (running at most one turn) in this VM or in a VM
  /// nested in it: a plain vm runs its nested VMs itself, deterministically,
  /// in one thread. False when the whole tree is idle.
  bool step();
  /// Delivers events until none is left (or max_events were delivered).
  /// Returns the number delivered.
  std::size_t run(std::size_t max_events = SIZE_MAX);
  bool idle() const noexcept;

  // ---- tracing ------------------------------------------------------------

  /// Traces this VM and the VMs nested in it into `sink` (see trace.hpp);
  /// an empty sink turns tracing off. Nested VMs started later inherit the
  /// sink of the VM that starts them. Call it on the VM's thread (under
  /// agora::runtime: inside vm_handle::post).
  void trace(trace_sink sink);

  // ---- reports --------------------------------------------------------------

  /// Where this VM and the VMs nested in it report what no actor is told
  /// about (a nested VM's child that failed to start, ...); log_to_stderr()
  /// unless set. Nested VMs started later inherit it.
  void log(log_sink sink);

  // ---- inspection ---------------------------------------------------------

  bool alive(actor_id who) const noexcept;
  /// Name given at spawn, or "" (empty for stale ids).
  std::string_view actor_name(actor_id who) const noexcept;
  std::size_t actor_count() const noexcept;
  std::size_t endpoint_count() const noexcept;
  vm_stats stats() const noexcept;
  /// This VM plus the nested VMs it runs itself (1 when it has none).
  std::size_t vm_count() const noexcept;


 private:
  friend struct detail::vm_access;  // the executors (vm/src)
  explicit vm(std::unique_ptr<detail::vm_core> core);
  detail::vm_core& core() noexcept;
  const detail::vm_core& core() const noexcept;

  std::unique_ptr<detail::vm_tree> tree_;
};

}  // namespace agora
