// The I/O side of the UDP driver (udp.cpp has the VM side): the open
// sockets by generation, touched only on the driver's executor (the I/O
// thread when the port is serial, else a strand).
//
// Both directions go in batches, since a busy server's cost is mostly
// system calls and hops to the VM:
//  - receiving, a readable socket is drained with recvmmsg (up to 32
//    datagrams a call, a few calls, then other work gets its turn), and
//    everything one wake-up read reaches the driver as one posted turn. A
//    socket reads into one slot all sockets share until a call fills it:
//    then it gets slots of its own, twice as many each time one call
//    fills them all (a server's socket; a DNS query's stays small);
//  - sending, the driver's turns queue datagrams in an outbox, and one
//    posted flush hands the queue to the kernel with sendmmsg. A socket
//    whose send buffer is full (EAGAIN) falls back to Asio's asynchronous
//    sends, in order, bounded by max_pending_bytes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agora/io_port.hpp"
#include "agora/term.hpp"

namespace agora::udp::io {

using proto = boost::asio::ip::udp;

struct counters {
  std::atomic<std::int64_t> received{0}, truncated{0}, sent{0}, refused{0}, errors{0};
};

/// What the VM side asks of the I/O side, in one queue so that it is done
/// in order: open socket `gen` for `bind` on `to` (datagrams up to `max`
/// bytes), close it, or send the bytes in `data` to `to` (with the terms
/// asked with, for error reports).
struct outgoing {
  enum class kind { send, open, close };
  kind what = kind::send;
  std::int64_t gen = 0;
  term bind{}, peer{}, data{};
  proto::endpoint to{};
  std::size_t max = 0;
  std::string_view bytes() const { return data.is_bytes() ? data.as_bytes() : data.as_string(); }
};

struct io_socket;
struct receive_scratch;
struct send_batch;

struct io_core {
  io_core(io_port& p, actor_id d, std::size_t max_pending, std::size_t receive_buffer);
  ~io_core();

  io_port& port;
  actor_id driver;
  boost::asio::any_io_executor exec;
  std::size_t max_pending_bytes;
  std::size_t receive_buffer_bytes;  // SO_RCVBUF; 0: the system's default
  std::unordered_map<std::int64_t, std::shared_ptr<io_socket>> sockets;  // exec only
  counters count;

  // The outbox: filled by the driver's turns, emptied by one posted flush.
  std::mutex outbox_mutex;
  std::vector<outgoing> outbox;  // guarded
  bool flush_posted = false;     // guarded
  std::vector<outgoing> flushing;       // exec only: the flush's side of the swap
  std::unique_ptr<send_batch> sending;  // exec only: sendmmsg's arrays
  std::unique_ptr<receive_scratch> receiving;  // exec only: what sockets share to receive
};

/// Turns of the driver that the I/O side posts (defined with the VM side):
/// socket `gen` of `bind` is bound to `port`, or has failed.
void on_opened(turn_base& t, const term& bind, std::int64_t gen, std::int64_t port);
void on_failed(turn_base& t, const term& bind, std::int64_t gen, const std::string& what);
/// What one wake-up read from socket `gen` of `bind`, in order:
/// udp.datagram, udp.truncated and udp.error records.
void on_received(turn_base& t, const term& bind, std::int64_t gen, std::vector<term>& items);

/// Queues a send, an open (which reports with on_opened or on_failed) or
/// a close for the next flush. Thread-safe; done in the order queued.
void queue(const std::shared_ptr<io_core>& core, outgoing what);
/// Closes every socket, after what was queued before, so pending
/// operations complete and let go of the io_core.
void post_close_all(const std::shared_ptr<io_core>& core);

}  // namespace agora::udp::io
