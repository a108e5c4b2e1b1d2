// agora::runtime — runs VMs as CAF actors, so sibling VMs run in parallel on
// CAF's work-stealing scheduler. CAF stays behind this header: it includes no
// CAF header and exposes no CAF type.
//
//   agora::runtime rt;                                  // CAF system, N threads
//   auto room = rt.spawn_vm("room", {alice, bob});      // a VM with two actors
//   room.send(rec("say", "carol", "hi"));               // from any thread
//   rt.wait();                                          // until every VM is done
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/vm.hpp"

namespace agora {

struct runtime_config {
  std::size_t threads = 0;              // scheduler threads; 0: one per core
  std::size_t events_per_slice = 1000;  // a VM yields its CAF thread after this many
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
  /// Runs f inside the VM, between turns. An exception from f is reported on
  /// stderr and the VM goes on.
  void post(std::function<void(vm&)> f) const;
  /// Stops every actor of the VM (reason `shutdown`), then the VM itself.
  void shutdown() const;
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class runtime;
  explicit vm_handle(std::shared_ptr<detail::vm_handle_impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::vm_handle_impl> impl_;
};

class runtime {
 public:
  explicit runtime(runtime_config config = {});
  /// Waits for every VM to finish, then stops the scheduler.
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Starts a VM with its initial actors. The VM stops when it has no actors
  /// left (everything it hosted quit, crashed or became inert).
  vm_handle spawn_vm(std::string name, std::vector<actor_spec> actors = {});
  /// Blocks until every VM of this runtime has stopped.
  void wait();

 private:
  std::unique_ptr<detail::runtime_impl> impl_;
};

}  // namespace agora
