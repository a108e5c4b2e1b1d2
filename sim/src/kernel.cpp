#include "kernel.hpp"

#include "host.hpp"

namespace agora::sim::detail {

kernel::kernel(std::uint64_t seed, trace_log::sink lines)
    : seed_(seed),
      // Not the clock's epoch: code may use time_point{} for "never".
      start_(clock::time_point{} + std::chrono::hours(1)),
      now_(start_),
      trace_(std::move(lines)),
      network_random_(mix_seed(seed ^ 0x6e6574776f726bull)) {}

void kernel::at_node(node_ref n, clock::time_point t, std::function<void()> f) {
  queue_.at(t, [this, n, f = std::move(f)]() mutable { run_for_node(n, std::move(f)); });
}

void kernel::run_for_node(node_ref n, std::function<void()> f) {
  host* h = live(n);
  if (!h) return;
  if (h->paused()) {
    h->hold(std::move(f));
    return;
  }
  f();
  if ((h = live(n)) && !h->paused()) settle(*h);
}

bool kernel::run_until(clock::time_point t, const std::function<bool()>& stop) {
  while (!queue_.empty() && queue_.next_time() <= t) {
    now_ = queue_.next_time();
    auto f = queue_.pop();
    ++events_;
    f();
    if (stop && stop()) return true;
  }
  if (t > now_) now_ = t;
  return false;
}

host* kernel::live(node_ref n) const {
  auto it = live_.find(n.id);
  if (it == live_.end() || it->second->self().generation != n.generation) return nullptr;
  return it->second;
}

void kernel::enroll(host& h) { live_[h.self().id] = &h; }

void kernel::withdraw(const host& h) {
  auto it = live_.find(h.self().id);
  if (it != live_.end() && it->second == &h) live_.erase(it);
}

void kernel::settle(host& h) { events_ += h.ground().run(); }

}  // namespace agora::sim::detail
