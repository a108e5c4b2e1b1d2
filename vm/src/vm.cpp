#include "agora/vm.hpp"

#include "vm_core.hpp"

namespace agora {

vm::vm(std::string name) : core_(std::make_unique<detail::vm_core>(std::move(name))) {}
vm::~vm() = default;
vm::vm(vm&&) noexcept = default;
vm& vm::operator=(vm&&) noexcept = default;

const std::string& vm::name() const noexcept { return core_->name(); }
actor_id vm::spawn(actor_spec spec) { return core_->spawn_now(std::move(spec)); }
void vm::send(term m) { core_->send_now(m, false); }
void vm::feedback(term m) { core_->send_now(m, true); }
void vm::stop(actor_id who, reason why) { core_->stop_now(who, why); }
void vm::stop_all(reason why) { core_->stop_all(why); }
bool vm::step() { return core_->step(); }

std::size_t vm::run(std::size_t max_events) {
  std::size_t n = 0;
  while (n < max_events && core_->step()) ++n;
  return n;
}

bool vm::idle() const noexcept { return core_->idle(); }
bool vm::alive(actor_id who) const noexcept { return core_->alive(who); }
std::string_view vm::actor_name(actor_id who) const noexcept { return core_->actor_name(who); }
std::size_t vm::actor_count() const noexcept { return core_->stats().actors; }
std::size_t vm::endpoint_count() const noexcept { return core_->stats().endpoints; }
vm_stats vm::stats() const noexcept { return core_->stats(); }

}  // namespace agora
