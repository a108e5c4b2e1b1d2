// A link's reading (every whole frame of a read delivered in place, for a
// bounded time per handler) and writing (everything queued in one gathered
// write).
#include <boost/asio/post.hpp>

#include <chrono>

#include "close_reasons.hpp"
#include "tcp_link.hpp"

namespace agora::cluster::detail {

using boost::system::error_code;

// ---- reading -----------------------------------------------------------------------

void tcp_link::start_read() {
  reading_ = true;
  const auto room = reader_.room();
  stream_.async_read_some(asio::buffer(room.data(), room.size()),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void tcp_link::on_read(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (phase_ == phase::closed) return;
  if (phase_ == phase::open) {
    if (ec) return finish(reason_for(ec));
    reader_.commit(n);
    stats_.bytes_in += n;
    return deliver_then_read();
  }
  if (ec && ec != asio::error::operation_aborted) peer_done_ = true;  // aborted: drain_step wants the TLS shutdown
  drain_input();
}

void tcp_link::deliver_then_read() {
  if (!deliver_frames()) {
    // Time is up: the timers (heartbeats) and the ground VM run first; the
    // frames left are delivered before anything more is read.
    asio::post(state_->io, [self = shared_from_this()] {
      if (self->phase_ == phase::open) self->deliver_then_read();
      else if (self->phase_ == phase::draining) self->drain_input();
    });
    return;
  }
  if (phase_ == phase::open) return start_read();
  // Closed with flush (or stopped) while delivering: drain from here.
  if (phase_ == phase::draining) drain_input();
}

void tcp_link::drain_input() {
  // Draining: the peer's input is dropped until it ends (TCP), or until our
  // writes are done (TLS: then the shutdown reads).
  reader_.clear();
  if (!peer_done_ && !reading_ && !(stream_.tls() && writes_done())) start_read();
  drain_step();
}

bool tcp_link::deliver_frames() {
  // Frames arrive up to 1 MiB per read; applying them all at once could
  // hold the I/O thread for long on a slow (sanitized, starved) process.
  constexpr auto slice = std::chrono::milliseconds(5);
  const auto until = std::chrono::steady_clock::now() + slice;
  std::span<const std::byte> frame;
  while (phase_ == phase::open) {
    switch (reader_.next(limits_.max_frame, frame)) {
      case frame_reader::status::frame:
        ++stats_.frames_in;
        if (auto* events = state_->events) events->on_frame(id_, frame);
        if (std::chrono::steady_clock::now() >= until && reader_.buffered() > 0) return false;
        break;
      case frame_reader::status::need_more:
        return true;
      case frame_reader::status::too_long:
        finish(reason_too_long(reader_.announced(), limits_.max_frame));
        return true;
    }
  }
  return true;
}

// ---- writing -----------------------------------------------------------------------

/// The write starts from a posted handler, so that the frames sent in one
/// handler's run go out together.
void tcp_link::schedule_flush() {
  if (writing_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(state_->io, [self = shared_from_this()] { self->flush(); });
}

void tcp_link::flush() {
  flush_posted_ = false;
  if (phase_ != phase::open && phase_ != phase::draining) return;
  if (!writing_ && queue_.has_waiting()) start_write();
  drain_step();
}

void tcp_link::start_write() {
  writing_ = true;
  stream_.async_write(queue_.take(), [self = shared_from_this()](const error_code& ec, std::size_t) {
    self->on_written(ec);
  });
}

void tcp_link::on_written(const error_code& ec) {
  writing_ = false;
  const auto done = queue_.complete(state_->spare_buffers);
  if (phase_ == phase::closed) return;
  if (ec) return finish(phase_ == phase::draining ? reason_closed() : reason_for(ec));
  stats_.frames_out += done.frames;
  stats_.bytes_out += done.bytes;
  ++stats_.writes;
  if (queue_.has_waiting()) start_write();
  if (phase_ == phase::open) {
    if (auto* events = state_->events) events->on_sent(id_, queue_.bytes());
  } else {
    drain_step();
  }
}

}  // namespace agora::cluster::detail
