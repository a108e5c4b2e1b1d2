#include "agora/drivers/pump_port.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace agora {

struct pump_port::impl {
  struct posted_turn {
    actor_id who;
    std::function<void(turn_base&)> f;
  };

  explicit impl(log_sink l) : log(std::move(l)) {}

  log_sink log;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard{
      boost::asio::make_work_guard(io)};
  std::mutex mutex;
  std::condition_variable ready;
  std::vector<posted_turn> queue;  // guarded by mutex
  std::thread thread{[this] { io.run(); }};
};

pump_port::pump_port(log_sink log) : impl_(std::make_unique<impl>(std::move(log))) {}

pump_port::~pump_port() {
  impl_->guard.reset();
  impl_->io.stop();
  impl_->thread.join();
}

boost::asio::io_context& pump_port::io() noexcept { return impl_->io; }

const log_sink& pump_port::log() const noexcept { return impl_->log; }

void pump_port::post(actor_id who, std::function<void(turn_base&)> f) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back({who, std::move(f)});
  }
  impl_->ready.notify_one();
}

std::size_t pump_port::deliver(vm& v) {
  std::vector<impl::posted_turn> batch;
  {
    std::lock_guard lock(impl_->mutex);
    batch.swap(impl_->queue);
  }
  for (auto& p : batch) v.post(p.who, std::move(p.f));
  return batch.size();
}

bool pump_port::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(impl_->mutex);
  return impl_->ready.wait_until(lock, deadline, [&] { return !impl_->queue.empty(); });
}

std::size_t pump_port::pump(vm& v) {
  const std::size_t n = deliver(v);
  v.run();
  return n;
}

bool pump_port::pump_until(vm& v, const std::function<bool()>& done,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pump(v);
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Wake at least every millisecond: done() may depend on the clock alone.
    wait(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(1)));
  }
}

void pump_port::pump_for(vm& v, std::chrono::milliseconds duration) {
  pump_until(v, [] { return false; }, duration);
}

}  // namespace agora
