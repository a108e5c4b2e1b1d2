// agora::runtime — runs VMs as CAF actors, so sibling VMs run in parallel on
// CAF's work-stealing scheduler. CAF stays behind this header: it includes no
// CAF header and exposes no CAF type.
//
//   agora::runtime rt;                                  // CAF system, N threads
//   auto room = rt.spawn_vm("room", {alice, bob});      // a VM with two actors
//   room.send(rec("say", "carol", "hi"));               // from any thread
//   rt.wait();                                          // until every VM is done
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/log.hpp"
#include "agora/trace.hpp"
#include "agora/upper_level.hpp"
#include "agora/vm.hpp"

namespace agora {

struct runtime_config {
  std::size_t threads = 0;              // scheduler threads; 0: one per core
  std::size_t events_per_slice = 1000;  // a VM yields its CAF thread after this many
  trace_sink trace{};                   // set: every VM (nested ones too) is traced
  log_sink log = log_to_stderr();       // what the VMs report (log.hpp); empty: nothing
};

namespace detail {
struct vm_handle_impl;
struct runtime_impl;
}  // namespace detail

/// A thread-safe handle to a VM running under a runtime. Every call posts
/// work to the VM and returns at once; the work runs in the VM's next slice,
/// in call order.
class vm_handle {
 public:
  vm_handle() = default;
  const std::string& name() const noexcept;
  void send(term m) const;
  void feedback(term m) const;
  void spawn(actor_spec spec) const;
  void stop(actor_id who, reason why = reason::quit()) const;
  /// Runs f inside the VM, between turns. An exception from f is reported to
  /// the runtime's log sink and the VM goes on.
  void post(std::function<void(vm&)> f) const;
  /// Stops every actor of the VM (reason `shutdown`), then the VM itself.
  void shutdown() const;
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class runtime;
  explicit vm_handle(std::shared_ptr<detail::vm_handle_impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::vm_handle_impl> impl_;
};

/// What a tap saw: a flow appearing or going (with the reason), or a
/// message / feedback that reached its endpoint.
struct tap_event {
  enum class kind { presence, absence, message, feedback };
  enum kind kind;
  term topic;  // the flow, or the message body
  reason why;  // absence only
};

/// An endpoint in a VM, watched from outside (any thread, or a plain CAF
/// actor): its events are queued here instead of running a handler.
///   agora::tap watch(handle, "present($who)"_t);
///   while (auto e = watch.next(1s)) ...;
/// The endpoint exists shortly after construction (it is posted to the VM,
/// in order with other posts) and goes away, reason deleted, on destruction.
class tap {
 public:
  tap(const vm_handle& target, term topic, role r = role::subscriber,
      interest i = interest::observer);
  /// Push form, e.g. for a plain CAF actor that must not block: `on_event`
  /// runs on the VM's thread for each event (keep it short: forward it,
  /// e.g. with caf::anon_send) and next()/drain() stay empty.
  tap(const vm_handle& target, term topic, std::function<void(tap_event)> on_event,
      role r = role::subscriber, interest i = interest::observer);
  ~tap();
  tap(tap&&) noexcept = default;
  tap& operator=(tap&&) = delete;

  /// The next event, waiting up to `timeout`; nullopt if none came.
  std::optional<tap_event> next(std::chrono::milliseconds timeout);
  /// Every event queued now, without waiting.
  std::vector<tap_event> drain();

 private:
  struct shared_state;
  vm_handle target_;
  std::shared_ptr<shared_state> state_;
};

class runtime {
 public:
  explicit runtime(runtime_config config = {});
  /// Waits for every VM to finish, then stops the scheduler.
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Starts a VM with its initial actors. The VM stops when it has no actors
  /// left (everything it hosted quit, crashed or became inert). Nested VMs
  /// (agora::nested_vm) spawned in it run as VMs of their own, in parallel.
  vm_handle spawn_vm(std::string name, std::vector<actor_spec> actors = {});
  /// Starts a VM and runs `setup` on it inside the VM's thread before
  /// anything else reaches it (spawn actors, read their ids, install hooks).
  vm_handle spawn_vm(std::string name, std::function<void(vm&)> setup);
  /// Starts a VM that runs on the caller's executor instead of CAF's
  /// scheduler: `schedule(f)` must run f later, one at a time and in call
  /// order (a strand), on any thread. The ground runs its VM on its I/O
  /// thread this way. The VM's nested VMs run as CAF actors, as usual.
  /// With `upper`, that level stands above the VM (agora/upper_level.hpp);
  /// it runs on the same executor, and is stopped when the VM has stopped.
  /// With `nested_here`, the VM's nested VMs run on that executor too, as
  /// one deterministic tree (as agora::vm runs them): no thread hop between
  /// levels, and no parallelism either.
  vm_handle spawn_hosted_vm(std::string name, std::function<void(std::function<void()>)> schedule,
                            std::function<void(vm&)> setup,
                            std::shared_ptr<upper_level> upper = nullptr, bool nested_here = false);
  /// Blocks until every VM of this runtime, nested ones included, has stopped.
  void wait();
  /// The same with a time limit; false if some VM is still running.
  bool wait_for(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<detail::runtime_impl> impl_;
};

}  // namespace agora
