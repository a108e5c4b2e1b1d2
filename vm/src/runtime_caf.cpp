// The CAF seam: the only translation unit of vm/ that includes CAF headers.
// Every VM — top-level or nested — is one CAF actor. A nested VM talks to
// its parent with one CAF message per link per slice (a batch of link
// operations), so a burst of events costs far less than a message each.
#include <caf/all.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>

#include "agora/runtime.hpp"
#include "slice.hpp"
#include "upper_link.hpp"
#include "vm_access.hpp"
#include "vm_core.hpp"

namespace agora::detail {

/// Work posted into a VM from outside.
struct vm_task {
  std::function<void(vm&)> run;
};
/// A batch from a parent VM to the nested VM.
struct down_batch {
  link_batch ops;
};
/// A batch from a nested VM to its parent, tagged with the link.
struct up_batch {
  std::uint64_t link;
  link_batch ops;
};

}  // namespace agora::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::detail::vm_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::detail::down_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::detail::up_batch)

namespace agora::detail {

/// What all VM actors of one runtime share: the slice length, the trace
/// and log sinks and a count of live VM actors, so that wait_for can time
/// out.
struct runtime_shared {
  slice_bounds slice;
  // Set while the level above the root pushes back (root_port::hold): no
  // VM of this runtime runs a turn. The hosted root is woken on release;
  // CAF-hosted VMs look again every held_poll.
  std::atomic<bool> held{false};
  static constexpr auto held_poll = std::chrono::milliseconds(1);
  trace_sink trace;  // for top-level VMs; nested ones inherit their parent's
  log_sink log;      // for every VM of the runtime
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t live_vms = 0;

  void vm_started() {
    std::lock_guard lock(mutex);
    ++live_vms;
  }
  void vm_stopped() {
    std::lock_guard lock(mutex);
    if (--live_vms == 0) all_done.notify_all();
  }
};

namespace {

using continue_atom = caf::atom_constant<caf::atom("agcont")>;

struct vm_actor_state;
using vm_actor_type = caf::stateful_actor<vm_actor_state>;

/// Carries batches between two VM actors. Used only by its owner, from
/// inside the owner's handlers: sending through the owner (not anon_send)
/// lets CAF schedule the receiver on the same worker, without waking
/// another thread — which is most of a hop's latency. A VM hosted outside
/// CAF (owner null) sends anonymously.
class caf_channel final : public link_channel {
 public:
  caf_channel(vm_actor_type* owner, caf::actor to, bool upward, std::uint64_t link)
      : owner_(owner), to_(std::move(to)), upward_(upward), link_(link) {}
  void deliver(link_batch&& ops) override;

 private:
  vm_actor_type* owner_;
  caf::actor to_;
  bool upward_;
  std::uint64_t link_;
};

/// How a VM actor is born: top level (depth 0) with a setup function, or
/// nested, with its parent, link and children.
struct vm_boot {
  std::function<void(agora::vm&)> setup;  // top level
  std::string name, path;
  unsigned depth = 0;
  bool cluster_above = false;
  caf::actor parent;
  std::uint64_t link = 0;
  std::shared_ptr<const nested_vm_spec> spec;
  std::shared_ptr<runtime_shared> shared;
  trace_sink trace;
};

class caf_executor final : public vm_executor {
 public:
  explicit caf_executor(vm_actor_type* self) : self_(self) {}
  std::unique_ptr<link_channel> start_child(vm_core& parent, std::uint64_t link, std::string name,
                                            std::shared_ptr<const nested_vm_spec> spec) override;
  /// Nested VM actors by address, to turn an abnormal exit into done(crashed).
  std::unordered_map<caf::actor_addr, std::uint64_t> children;

 private:
  vm_actor_type* self_;
};

struct vm_actor_state {
  std::shared_ptr<runtime_shared> shared;
  std::unique_ptr<caf_executor> exec;
  std::unique_ptr<agora::vm> machine;
  bool continuation_pending = false;
};

}  // namespace

caf::behavior vm_actor(vm_actor_type* self, vm_boot boot);

void caf_channel::deliver(link_batch&& ops) {
  if (upward_) owner_->send(to_, up_batch{link_, std::move(ops)});
  else if (owner_) owner_->send(to_, down_batch{std::move(ops)});
  else caf::anon_send(to_, down_batch{std::move(ops)});
}

namespace {

/// Spawns the VM actor nested in `parent` for its proxy `link`; it reports
/// up to `parent_actor` (the parent's VM actor, or a hosted VM's bridge).
caf::actor spawn_nested(caf::actor_system& system, std::shared_ptr<runtime_shared> shared,
                        vm_core& parent, caf::actor parent_actor, std::uint64_t link,
                        std::string name, std::shared_ptr<const nested_vm_spec> spec) {
  vm_boot boot;
  boot.path = parent.path() + "/" + name;
  boot.name = std::move(name);
  boot.depth = parent.depth() + 1;
  boot.cluster_above = parent.reach() > parent.depth();
  boot.parent = std::move(parent_actor);
  boot.link = link;
  boot.spec = std::move(spec);
  boot.shared = std::move(shared);
  boot.trace = parent.trace();
  boot.shared->vm_started();  // now, so that wait() cannot miss it
  return system.spawn(vm_actor, std::move(boot));
}

/// What the parent receives when a nested VM actor failed (it did not end
/// with a normal exit after `done`).
link_batch crashed_child(const caf::error& reason) {
  link_batch ops;
  ops.push_back({.kind = link_op_kind::done,
                 .why = rec("crashed", fmt::format("vm actor failed: {}", caf::to_string(reason)))});
  return ops;
}

std::unique_ptr<link_channel> caf_executor::start_child(vm_core& parent, std::uint64_t link,
                                                        std::string name,
                                                        std::shared_ptr<const nested_vm_spec> spec) {
  auto child = spawn_nested(self_->system(), self_->state.shared, parent,
                            caf::actor_cast<caf::actor>(self_), link, std::move(name), std::move(spec));
  self_->monitor(child);
  children.emplace(child.address(), link);
  return std::make_unique<caf_channel>(self_, std::move(child), false, 0);
}

/// Runs up to one slice of events, hands every link's batch over, then
/// yields (more next slice, so other actors on this thread get their turn)
/// or, when the VM is done, stops.
void drain(vm_actor_type* self) {
  auto& st = self->state;
  auto& core = vm_access::core(*st.machine);
  if (st.shared->held.load(std::memory_order_relaxed)) {
    if (!st.continuation_pending) {
      st.continuation_pending = true;
      self->delayed_send(self, runtime_shared::held_poll, continue_atom::value);
    }
    return;
  }
  run_slice(*st.machine, st.shared->slice);
  core.flush_links();
  if (!st.machine->idle()) {
    if (!st.continuation_pending) {
      st.continuation_pending = true;
      self->send(self, continue_atom::value);
    }
    return;
  }
  if (st.machine->actor_count() == 0 && (core.depth() == 0 || core.finished())) self->quit();
}

template <class F>
void guarded(vm_actor_type* self, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    write_log(self->state.shared->log, log_level::error,
              fmt::format("{} in vm {} failed: {}", what, vm_access::core(*self->state.machine).path(),
                          e.what()));
  }
  drain(self);
}

}  // namespace

caf::behavior vm_actor(vm_actor_type* self, vm_boot boot) {
  auto& st = self->state;
  st.shared = boot.shared;  // counted by whoever spawned this VM actor
  self->attach_functor([shared = boot.shared](const caf::error&) { shared->vm_stopped(); });
  st.exec = std::make_unique<caf_executor>(self);
  // Initialisation runs in the actor, before any message reaches it: work
  // posted through a handle right after spawn_vm finds the setup done.
  if (boot.depth == 0) {
    st.machine = vm_access::wrap(std::make_unique<vm_core>(boot.name, st.exec.get()));
    if (boot.shared->trace) vm_access::core(*st.machine).set_trace(boot.shared->trace);
    vm_access::core(*st.machine).set_log(boot.shared->log);
    try {
      if (boot.setup) boot.setup(*st.machine);
    } catch (const std::exception& e) {
      write_log(boot.shared->log, log_level::error,
                fmt::format("setting up vm {} failed: {}", boot.name, e.what()));
    }
  } else {
    auto up = std::make_unique<caf_channel>(self, boot.parent, true, boot.link);
    st.machine = vm_access::wrap(std::make_unique<vm_core>(
        boot.name, st.exec.get(), boot.depth, boot.path, std::move(up), boot.cluster_above));
    if (boot.trace) vm_access::core(*st.machine).set_trace(boot.trace);
    vm_access::core(*st.machine).set_log(boot.shared->log);
    spawn_children(vm_access::core(*st.machine), *boot.spec);
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& exec = *self->state.exec;
    auto it = exec.children.find(dm.source);
    if (it == exec.children.end()) return;
    std::uint64_t link = it->second;
    exec.children.erase(it);
    if (!dm.reason) return;  // a normal exit: it said done, or was stopped
    vm_access::core(*self->state.machine).receive_up(link, crashed_child(dm.reason));
    drain(self);
  });
  self->send(self, continue_atom::value);
  st.continuation_pending = true;
  // Batches first: CAF tries the handlers in order.
  return {
      [=](down_batch& b) {
        guarded(self, "batch from the parent", [&] { vm_access::core(*self->state.machine).receive_down(std::move(b.ops)); });
      },
      [=](up_batch& b) {
        guarded(self, "batch from a nested vm",
                [&] { vm_access::core(*self->state.machine).receive_up(b.link, std::move(b.ops)); });
      },
      [=](continue_atom) {
        self->state.continuation_pending = false;
        drain(self);
      },
      [=](vm_task& task) {
        guarded(self, "task posted", [&] { task.run(*self->state.machine); });
      },
  };
}

// ---- a VM hosted outside CAF ----------------------------------------------------

/// A top-level VM that runs on an executor of its host (the ground's I/O
/// thread) instead of CAF's scheduler, so the host's I/O completions reach
/// it without a thread hop. Its nested VMs are CAF actors as usual: they
/// report up to a small bridge actor, which schedules the batch on the host.
class hosted_vm final : public std::enable_shared_from_this<hosted_vm>, public vm_executor {
 public:
  using schedule_fn = std::function<void(std::function<void()>)>;

  hosted_vm(caf::actor_system& sys, std::shared_ptr<runtime_shared> shared, std::string name,
            schedule_fn schedule, std::shared_ptr<upper_level> upper, bool nested_here)
      : system_(sys),
        shared_(std::move(shared)),
        name_(std::move(name)),
        schedule_(std::move(schedule)),
        upper_(std::move(upper)),
        nested_here_(nested_here) {}

  /// Creates the VM and its bridge, then runs `setup` in the VM first.
  void start(std::function<void(agora::vm&)> setup) {
    // The VM as a spawn argument, not a capture: CAF 0.17 dereferences a
    // null argument tuple for an actor spawned without arguments.
    bridge_ = system_.spawn(bridge, std::weak_ptr<hosted_vm>(shared_from_this()));
    run_soon([setup = std::move(setup)](hosted_vm& h) {
      if (h.nested_here_) {
        // One deterministic tree, as agora::vm runs it: its nested VMs are
        // stepped by run_slice with the root, on this executor.
        h.machine_ = std::make_unique<agora::vm>(h.name_);
        if (h.shared_->trace) h.machine_->trace(h.shared_->trace);
        h.machine_->log(h.shared_->log);
      } else {
        h.machine_ = vm_access::wrap(std::make_unique<vm_core>(h.name_, &h));
        if (h.shared_->trace) vm_access::core(*h.machine_).set_trace(h.shared_->trace);
        vm_access::core(*h.machine_).set_log(h.shared_->log);
      }
      if (h.upper_) h.start_upper();
      try {
        if (setup) setup(*h.machine_);
      } catch (const std::exception& e) {
        write_log(h.shared_->log, log_level::error,
                  fmt::format("setting up vm {} failed: {}", h.name_, e.what()));
      }
    });
  }

  /// The bridge's behaviour: batches from nested VMs go to the host.
  static caf::behavior bridge(caf::event_based_actor*, std::weak_ptr<hosted_vm> weak) {
    return {[weak](up_batch& b) {
      if (auto h = weak.lock())
        h->run_soon([b = std::move(b)](hosted_vm& h) mutable {
          vm_access::core(*h.machine_).receive_up(b.link, std::move(b.ops));
        });
    }};
  }

  /// Runs f in the VM (then a slice), in order with everything else; a
  /// no-op once the VM has stopped.
  void run_soon(std::function<void(hosted_vm&)> f) {
    schedule_([self = shared_from_this(), f = std::move(f)] {
      if (self->stopped_) return;
      try {
        f(*self);
      } catch (const std::exception& e) {
        write_log(self->shared_->log, log_level::error,
                  fmt::format("task posted in vm {} failed: {}", self->name_, e.what()));
      }
      self->drain();
    });
  }

  void post(std::function<void(agora::vm&)> f) {
    run_soon([f = std::move(f)](hosted_vm& h) { f(*h.machine_); });
  }

  /// The level above this root VM: its actions go there; its events come
  /// back here, each batch in a later slice (the upper level runs on this
  /// VM's executor too).
  void start_upper() {
    vm_access::core(*machine_).attach_upper(std::make_unique<upper_channel>(upper_));
    upper_port_ = std::make_unique<upper_port>(
        [weak = weak_from_this()](link_batch& ops) {
          if (auto self = weak.lock()) self->from_upper(ops);
        },
        [weak = weak_from_this()](bool on) {
          auto self = weak.lock();
          if (!self) return;
          self->shared_->held.store(on, std::memory_order_relaxed);
          if (!on) self->run_soon([](hosted_vm&) {});  // runs a slice
        });
    upper_->start(*upper_port_);
  }

  /// Events from the level above wait here for the VM's next run on the
  /// host: one post however many batches come meanwhile, and the buffers
  /// are swapped, not reallocated.
  void from_upper(link_batch& ops) {
    if (from_upper_.empty()) {
      from_upper_.swap(ops);
    } else {
      std::move(ops.begin(), ops.end(), std::back_inserter(from_upper_));
      ops.clear();
    }
    if (from_upper_posted_) return;
    from_upper_posted_ = true;
    run_soon([](hosted_vm& h) {
      h.from_upper_posted_ = false;
      h.applying_.clear();
      h.applying_.swap(h.from_upper_);
      vm_access::core(*h.machine_).receive_down(std::move(h.applying_));
      h.applying_.clear();
    });
  }

  std::unique_ptr<link_channel> start_child(vm_core& parent, std::uint64_t link, std::string name,
                                            std::shared_ptr<const nested_vm_spec> spec) override {
    auto child = spawn_nested(system_, shared_, parent, bridge_, link, std::move(name), std::move(spec));
    // A failed VM actor is a crashed child, as in a CAF-hosted parent's
    // down handler.
    std::weak_ptr<hosted_vm> weak = shared_from_this();
    child->attach_functor([weak, link](const caf::error& reason) {
      if (!reason) return;
      if (auto h = weak.lock())
        h->run_soon([link, ops = crashed_child(reason)](hosted_vm& h) mutable {
          vm_access::core(*h.machine_).receive_up(link, std::move(ops));
        });
    });
    return std::make_unique<caf_channel>(nullptr, std::move(child), false, 0);
  }

 private:
  /// One slice, the links' batches, then another slice later (other work
  /// on the host gets its turn between) or, with no actor left, the end.
  void drain() {
    // Held: hold(false) drains again. A VM with no actor left sends nothing
    // and may finish.
    if (shared_->held.load(std::memory_order_relaxed) && machine_->actor_count() > 0) return;
    run_slice(*machine_, shared_->slice);
    vm_access::core(*machine_).flush_links();
    if (!machine_->idle()) {
      if (!continuation_pending_) {
        continuation_pending_ = true;
        schedule_([self = shared_from_this()] {
          self->continuation_pending_ = false;
          if (!self->stopped_) self->drain();
        });
      }
      return;
    }
    if (machine_->actor_count() == 0) finish();
  }

  void finish() {
    stopped_ = true;
    if (upper_) {
      try {
        upper_->stop();
      } catch (const std::exception& e) {
        write_log(shared_->log, log_level::error,
                  fmt::format("stopping the level above vm {} failed: {}", name_, e.what()));
      }
    }
    caf::anon_send_exit(bridge_, caf::exit_reason::normal);
    bridge_ = nullptr;
    machine_.reset();
    shared_->vm_stopped();
  }

  caf::actor_system& system_;
  std::shared_ptr<runtime_shared> shared_;
  const std::string name_;
  const schedule_fn schedule_;
  std::shared_ptr<upper_level> upper_;
  std::unique_ptr<root_port> upper_port_;
  link_batch from_upper_;  // events from the level above, not yet posted to the VM
  link_batch applying_;    // the batch being applied
  bool from_upper_posted_ = false;
  caf::actor bridge_;
  std::unique_ptr<agora::vm> machine_;
  const bool nested_here_;  // nested VMs run in machine_'s tree, not as CAF actors
  bool continuation_pending_ = false;
  bool stopped_ = false;
};

struct vm_handle_impl {
  caf::actor target;                 // a VM actor, or
  std::shared_ptr<hosted_vm> hosted; // a VM on its host's executor
  std::string name;
};

struct runtime_impl {
  explicit runtime_impl(const runtime_config& cfg) : config(make_config(cfg)), system(config) {
    shared->slice.max_events = cfg.events_per_slice ? cfg.events_per_slice : 1;
    shared->trace = cfg.trace;
    shared->log = cfg.log;
  }

  static caf::actor_system_config make_config(const runtime_config& cfg) {
    caf::actor_system_config c;
    if (cfg.threads != 0) c.set("scheduler.max-threads", cfg.threads);
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  caf::actor_system_config config;
  caf::actor_system system;
  std::shared_ptr<runtime_shared> shared = std::make_shared<runtime_shared>();
};

}  // namespace agora::detail

namespace agora {

const std::string& vm_handle::name() const noexcept {
  static const std::string empty;
  return impl_ ? impl_->name : empty;
}

void vm_handle::post(std::function<void(vm&)> f) const {
  if (!impl_) throw std::logic_error("post on an empty vm_handle");
  if (impl_->hosted) impl_->hosted->post(std::move(f));
  else caf::anon_send(impl_->target, detail::vm_task{std::move(f)});
}

runtime::runtime(runtime_config config)
    : impl_(std::make_unique<detail::runtime_impl>(config)) {}

runtime::~runtime() { wait(); }

vm_handle runtime::spawn_vm(std::string name, std::vector<actor_spec> actors) {
  return spawn_vm(std::move(name), [actors = std::move(actors)](vm& v) mutable {
    for (auto& a : actors) v.spawn(std::move(a));
  });
}

vm_handle runtime::spawn_vm(std::string name, std::function<void(vm&)> setup) {
  detail::vm_boot boot;
  boot.shared = impl_->shared;
  boot.name = boot.path = name;
  boot.setup = std::move(setup);
  impl_->shared->vm_started();  // now, so that wait() cannot miss it
  auto target = impl_->system.spawn(detail::vm_actor, std::move(boot));
  return vm_handle(std::make_shared<detail::vm_handle_impl>(
      detail::vm_handle_impl{std::move(target), nullptr, std::move(name)}));
}

vm_handle runtime::spawn_hosted_vm(std::string name,
                                   std::function<void(std::function<void()>)> schedule,
                                   std::function<void(vm&)> setup,
                                   std::shared_ptr<upper_level> upper, bool nested_here) {
  impl_->shared->vm_started();
  auto h = std::make_shared<detail::hosted_vm>(impl_->system, impl_->shared, name,
                                               std::move(schedule), std::move(upper), nested_here);
  h->start(std::move(setup));
  return vm_handle(std::make_shared<detail::vm_handle_impl>(
      detail::vm_handle_impl{nullptr, std::move(h), std::move(name)}));
}

void runtime::wait() {
  std::unique_lock lock(impl_->shared->mutex);
  impl_->shared->all_done.wait(lock, [&] { return impl_->shared->live_vms == 0; });
}

bool runtime::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->shared->mutex);
  return impl_->shared->all_done.wait_for(lock, timeout,
                                          [&] { return impl_->shared->live_vms == 0; });
}

}  // namespace agora
