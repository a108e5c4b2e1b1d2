// What the I/O objects of one TCP driver share: the way to the driver actor
// (cut off when the driver stops) and the hand-over of new connections to
// the actor.
#include <boost/asio/strand.hpp>

#include <atomic>

#include "driver_support.hpp"
#include "tcp_io.hpp"

namespace agora::tcp::detail {

namespace {
std::atomic<std::int64_t> connection_ids{1};
}

std::int64_t next_connection_id() { return connection_ids.fetch_add(1, std::memory_order_relaxed); }

namespace {
asio::any_io_executor serial_or_strand(io_port& p) {
  if (p.serial()) return p.io().get_executor();
  return asio::make_strand(p.io());
}
}  // namespace

io_shared::io_shared(io_port& p, actor_id d, io_settings s)
    : port(p), driver(d), settings(s), control(serial_or_strand(p)) {}

asio::any_io_executor io_shared::connection_executor() const { return serial_or_strand(port); }

void io_shared::post(std::function<void(turn_base&)> f) {
  if (!stopped()) port.post(driver, std::move(f));
}

void io_shared::send(term m) {
  if (!stopped()) drivers_detail::send_as(port, driver, std::move(m));
}

bool io_shared::hand_over(std::int64_t id, std::shared_ptr<connection> c) {
  std::lock_guard lock(mutex_);
  if (stopped()) return false;
  handover_.emplace(id, std::move(c));
  return true;
}

std::shared_ptr<connection> io_shared::claim(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto it = handover_.find(id);
  if (it == handover_.end()) return nullptr;
  auto c = std::move(it->second);
  handover_.erase(it);
  return c;
}

std::vector<std::shared_ptr<connection>> io_shared::stop() {
  std::vector<std::shared_ptr<connection>> unclaimed;
  std::lock_guard lock(mutex_);
  stopped_.store(true, std::memory_order_release);
  for (auto& [id, c] : handover_) unclaimed.push_back(std::move(c));
  handover_.clear();
  return unclaimed;
}


}  // namespace agora::tcp::detail
