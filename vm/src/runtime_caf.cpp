// The CAF seam: the only translation unit of vm/ that includes CAF headers.
#include <caf/all.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "agora/runtime.hpp"

namespace agora::detail {

/// Work posted into a VM from outside.
struct vm_task {
  std::function<void(vm&)> run;
};

}  // namespace agora::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::detail::vm_task)

namespace agora::detail {

namespace {

using continue_atom = caf::atom_constant<caf::atom("agcont")>;

struct vm_actor_state {
  std::unique_ptr<agora::vm> machine;
  std::size_t slice = 1000;
  bool continuation_pending = false;
};

/// Runs up to one slice of events, then either yields (the rest comes in the
/// next slice, so other actors on this thread get their turn) or, when the VM
/// has no actors left, stops.
void drain(caf::stateful_actor<vm_actor_state>* self) {
  auto& st = self->state;
  st.machine->run(st.slice);
  if (!st.machine->idle()) {
    if (!st.continuation_pending) {
      st.continuation_pending = true;
      self->send(self, continue_atom::value);
    }
    return;
  }
  if (st.machine->actor_count() == 0) self->quit();
}

caf::behavior vm_actor(caf::stateful_actor<vm_actor_state>* self,
                       std::shared_ptr<agora::vm> boot_holder, std::size_t slice) {
  // The VM is created by the caller (so its initial actors exist before the
  // first message) and moved into the actor's state here.
  self->state.machine = std::make_unique<agora::vm>(std::move(*boot_holder));
  self->state.slice = slice;
  self->send(self, continue_atom::value);
  self->state.continuation_pending = true;
  return {
      [=](continue_atom) {
        self->state.continuation_pending = false;
        drain(self);
      },
      [=](vm_task& task) {
        try {
          task.run(*self->state.machine);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "agora: task posted to vm %s failed: %s\n",
                       self->state.machine->name().c_str(), e.what());
        }
        drain(self);
      },
  };
}

}  // namespace

struct vm_handle_impl {
  caf::actor target;
  std::string name;
};

struct runtime_impl {
  explicit runtime_impl(const runtime_config& cfg) : config(make_config(cfg)), system(config) {}

  static caf::actor_system_config make_config(const runtime_config& cfg) {
    caf::actor_system_config c;
    if (cfg.threads != 0) c.set("scheduler.max-threads", cfg.threads);
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  caf::actor_system_config config;
  caf::actor_system system;
  std::size_t slice = 1000;
};

}  // namespace agora::detail

namespace agora {

const std::string& vm_handle::name() const noexcept {
  static const std::string empty;
  return impl_ ? impl_->name : empty;
}

void vm_handle::post(std::function<void(vm&)> f) const {
  if (!impl_) throw std::logic_error("post on an empty vm_handle");
  caf::anon_send(impl_->target, detail::vm_task{std::move(f)});
}

void vm_handle::send(term m) const {
  post([m = std::move(m)](vm& v) { v.send(m); });
}

void vm_handle::feedback(term m) const {
  post([m = std::move(m)](vm& v) { v.feedback(m); });
}

void vm_handle::spawn(actor_spec spec) const {
  post([spec = std::move(spec)](vm& v) mutable { v.spawn(std::move(spec)); });
}

void vm_handle::stop(actor_id who, reason why) const {
  post([who, why = std::move(why)](vm& v) { v.stop(who, why); });
}

void vm_handle::shutdown() const {
  post([](vm& v) { v.stop_all(reason(sym("shutdown"))); });
}

runtime::runtime(runtime_config config)
    : impl_(std::make_unique<detail::runtime_impl>(config)) {
  impl_->slice = config.events_per_slice ? config.events_per_slice : 1;
}

runtime::~runtime() { wait(); }

vm_handle runtime::spawn_vm(std::string name, std::vector<actor_spec> actors) {
  auto machine = std::make_shared<vm>(name);
  for (auto& a : actors) machine->spawn(std::move(a));
  auto target = impl_->system.spawn(detail::vm_actor, machine, impl_->slice);
  return vm_handle(std::make_shared<detail::vm_handle_impl>(
      detail::vm_handle_impl{std::move(target), std::move(name)}));
}

void runtime::wait() { impl_->system.await_all_actors_done(); }

}  // namespace agora
