// What the I/O objects of one TCP driver share: injection into the VM (cut
// off when the driver stops) and the hand-over of new connections to the
// actor.
#include <boost/asio/strand.hpp>

#include <atomic>

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

io_shared::io_shared(io_port& p, std::int64_t inst, io_settings s)
    : port(p), instance(inst), settings(s), control(serial_or_strand(p)) {}

asio::any_io_executor io_shared::connection_executor() const { return serial_or_strand(port); }

void io_shared::inject(term m) {
  if (!stopped()) port.inject(std::move(m));
}

void io_shared::event(term e) {
  if (!stopped()) port.inject(rec(io_label, instance, std::move(e)));
}

void io_shared::log(std::string line) { event(rec("log", line)); }

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
