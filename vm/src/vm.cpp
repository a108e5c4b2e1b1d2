#include "agora/vm.hpp"

#include "vm_tree.hpp"

namespace agora {

vm::vm(std::string name) : tree_(detail::vm_tree::make_root(std::move(name))) {}
vm::vm(std::string name, std::shared_ptr<upper_level> upper)
    : tree_(detail::vm_tree::make_root(std::move(name), std::move(upper))) {}
vm::vm(std::unique_ptr<detail::vm_core> core)
    : tree_(std::make_unique<detail::vm_tree>(std::move(core))) {}
vm::~vm() = default;
vm::vm(vm&&) noexcept = default;
vm& vm::operator=(vm&&) noexcept = default;

detail::vm_core& vm::core() noexcept { return tree_->root(); }
const detail::vm_core& vm::core() const noexcept { return tree_->root(); }

const std::string& vm::name() const noexcept { return core().name(); }
actor_id vm::spawn(actor_spec spec) { return core().spawn_now(std::move(spec)); }
void vm::send(term m) { core().send_now(m, false); }
void vm::feedback(term m) { core().send_now(m, true); }
void vm::stop(actor_id who, reason why) { core().stop_now(who, why); }
void vm::stop_all(reason why) { core().stop_all(why); }
bool vm::step() { return tree_->step(); }
void vm::trace(trace_sink sink) { tree_->set_trace(sink); }
void vm::log(log_sink sink) { tree_->set_log(sink); }
void vm::post(actor_id who, std::function<void(turn_base&)> f) {
  core().post_turn(who, std::move(f));
}

std::size_t vm::run(std::size_t max_events) {
  std::size_t n = 0;
  while (n < max_events && tree_->step()) ++n;
  return n;
}

bool vm::idle() const noexcept { return tree_->idle(); }
std::size_t vm::vm_count() const noexcept { return tree_->vm_count(); }
bool vm::alive(actor_id who) const noexcept { return core().alive(who); }
std::string_view vm::actor_name(actor_id who) const noexcept { return core().actor_name(who); }
std::size_t vm::actor_count() const noexcept { return core().stats().actors; }
std::size_t vm::endpoint_count() const noexcept { return core().stats().endpoints; }
vm_stats vm::stats() const noexcept { return core().stats(); }

}  // namespace agora
