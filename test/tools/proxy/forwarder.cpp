#include "forwarder.hpp"

#include <boost/asio/write.hpp>

#include "connection.hpp"

namespace agora_tools {

namespace asio = boost::asio;

forwarder::forwarder(connection& owner, tcp::socket& from, tcp::socket& to,
                     const direction_faults& faults, direction_counters& counters)
    : owner_(owner), from_(from), to_(to), faults_(faults), counters_(counters),
      timer_(from.get_executor()) {}

void forwarder::start() { read(); }

void forwarder::faults_changed() { pump(); }

void forwarder::release() {
  const auto now = clock::now();
  for (auto& c : queue_) c.due = std::min(c.due, now);
  pump();
}

void forwarder::stop() {
  stopped_ = true;
  timer_.cancel();
}

void forwarder::read() {
  if (reading_ || ended_ || stopped_ || held_ >= max_held) return;
  reading_ = true;
  from_.async_read_some(asio::buffer(buf_), [self = owner_.shared_from_this(), this](
                                                 const boost::system::error_code& ec, std::size_t n) {
    reading_ = false;
    on_read(ec, n);
  });
}

void forwarder::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (stopped_) return;
  if (ec == asio::error::eof) {
    ended_ = true;  // passed on even when blackholed: it is not bytes
    queue_.push_back({{}, clock::now() + faults_.delay});
    pump();
    return;
  }
  if (ec) return owner_.reset();  // a reset on one side resets the other
  if (faults_.blackhole) {
    counters_.dropped += n;
  } else {
    queue_.push_back({{buf_.data(), buf_.data() + n}, clock::now() + faults_.delay});
    held_ += n;
    pump();
  }
  read();
}

void forwarder::pump() {
  if (writing_ || stopped_ || queue_.empty() || faults_.paused) return;
  chunk& front = queue_.front();
  if (front.due > clock::now()) {
    timer_.expires_at(front.due);
    timer_.async_wait([self = owner_.shared_from_this(), this](const boost::system::error_code& ec) {
      if (!ec) pump();
    });
    return;
  }
  if (front.bytes.empty()) {
    queue_.pop_front();
    boost::system::error_code ignored;
    to_.shutdown(tcp::socket::shutdown_send, ignored);
    finished_ = true;
    return owner_.forwarder_finished();
  }
  writing_ = true;
  asio::async_write(to_, asio::buffer(front.bytes), [self = owner_.shared_from_this(), this](
                                                         const boost::system::error_code& ec, std::size_t n) {
    writing_ = false;
    if (stopped_) return;
    if (ec) return owner_.reset();
    counters_.forwarded += n;
    held_ -= n;
    queue_.pop_front();
    pump();
    read();
  });
}

}  // namespace agora_tools
