#include "udp_io.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "agora/drivers/udp.hpp"
#include "agora/ip_text.hpp"
#include "driver_support.hpp"

namespace agora::udp::io {

namespace {

using namespace drivers_detail;
namespace asio = boost::asio;
using error_code = boost::system::error_code;

/// Datagrams one recvmmsg call takes at most, and calls per wake-up before
/// other work gets its turn.
constexpr std::size_t max_receive_batch = 32;
constexpr int receive_calls_per_wakeup = 4;
/// Datagrams one sendmmsg call hands over at most.
constexpr std::size_t max_send_batch = 64;
/// Receive errors in a row (other than ICMP reports) after which a socket
/// is given up as failed, rather than spinning.
constexpr int max_receive_errors = 100;

error_code errno_code(int e) { return error_code(e, asio::error::get_system_category()); }

term peer_term(const proto::endpoint& ep) {
  return rec("peer", ip::normalized(ep.address()).to_string(), static_cast<std::int64_t>(ep.port()));
}

/// peer(HOST, PORT) of the last few senders, so that a server answering
/// the same clients does not format their addresses again and again.
class peer_cache {
 public:
  const term& of(const proto::endpoint& ep) {
    entry& e = entries_[slot(ep)];
    if (e.peer.is_bool() || e.ep != ep) {
      e.ep = ep;
      e.peer = peer_term(ep);
    }
    return e.peer;
  }

 private:
  struct entry {
    proto::endpoint ep;
    term peer;  // false: empty
  };
  static constexpr std::size_t size = 64;
  static std::size_t slot(const proto::endpoint& ep) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(ep.data());
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (std::size_t i = 0; i < ep.size(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    return static_cast<std::size_t>(h >> 32) % size;
  }
  std::array<entry, size> entries_{};
};

}  // namespace

/// recvmmsg's arrays: `slots` buffers of the socket's MAX bytes each (only
/// the pages a datagram touches are ever backed by memory). Starts with
/// one slot, doubles whenever a call fills them all.
struct receive_batch {
  explicit receive_batch(std::size_t slot) : slot_size(slot) {}

  std::size_t slot_size;
  std::unique_ptr<char[]> slab;
  std::vector<mmsghdr> headers;
  std::vector<iovec> vectors;
  std::vector<sockaddr_storage> names;

  std::size_t slots() const { return headers.size(); }

  void resize(std::size_t n) {
    slab.reset(new char[n * slot_size]);
    headers.assign(n, mmsghdr{});
    vectors.resize(n);
    names.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      vectors[i] = {slab.get() + i * slot_size, slot_size};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &names[i];
    }
  }

  void prepare() {
    for (auto& h : headers) {
      h.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      h.msg_hdr.msg_flags = 0;
      h.msg_len = 0;
    }
  }

  void grow() {
    const std::size_t by_memory = std::max<std::size_t>(1, (2u << 20) / slot_size);
    const std::size_t next = std::min({std::max<std::size_t>(2, slots() * 2), max_receive_batch, by_memory});
    if (next > slots()) resize(next);
  }

  std::string_view data(std::size_t i, std::size_t n) const { return {slab.get() + i * slot_size, n}; }

  proto::endpoint from(std::size_t i) const {
    proto::endpoint ep;
    const auto len = std::min<std::size_t>(headers[i].msg_hdr.msg_namelen, ep.capacity());
    std::memcpy(ep.data(), &names[i], len);
    ep.resize(len);
    return ep;
  }
};

/// What every socket of a core uses in turn (handlers run one at a time on
/// its executor): two slots of the largest size, for the sockets that have
/// not needed a batch of their own yet — a socket per DNS query must not
/// cost a 64 KiB buffer each — and the peer terms of recent senders. Two,
/// so that a call returning one datagram has drained the socket: no second
/// call just to hear EAGAIN.
struct receive_scratch {
  receive_scratch() : shared(udp::max_datagram) { shared.resize(2); }
  receive_batch shared;
  peer_cache peers;
};

struct send_batch {
  std::array<mmsghdr, max_send_batch> headers{};
  std::array<iovec, max_send_batch> vectors{};
};

struct io_socket {
  io_socket(const asio::any_io_executor& ex, term b, std::int64_t g, std::size_t m)
      : sock(ex), bind(std::move(b)), gen(g), max(m), in(m) {}
  proto::socket sock;
  term bind;
  std::int64_t gen;
  std::size_t max;
  bool open = false;
  receive_batch in;  // no slots until one call filled the shared slots
  std::size_t pending_bytes = 0;  // of asynchronous sends not yet done
  std::size_t async_sends = 0;    // while > 0, later sends queue behind them
  int errors_in_a_row = 0;
};

io_core::io_core(io_port& p, actor_id d, std::size_t max_pending, std::size_t receive_buffer)
    : port(p),
      driver(d),
      // One I/O thread runs handlers one at a time: no strand needed.
      exec(p.serial() ? asio::any_io_executor(p.io().get_executor())
                      : asio::any_io_executor(asio::make_strand(p.io()))),
      max_pending_bytes(max_pending),
      receive_buffer_bytes(receive_buffer),
      sending(std::make_unique<send_batch>()),
      receiving(std::make_unique<receive_scratch>()) {}

io_core::~io_core() = default;

namespace {

void error_message(io_core& core, const term& bind, const term& peer, std::string what) {
  send_as(core.port, core.driver, rec("udp.error", bind, peer, std::move(what)));
}

void post_failed(io_core& core, term bind, std::int64_t gen, std::string what) {
  core.port.post(core.driver, [bind = std::move(bind), gen, what = std::move(what)](turn_base& t) {
    on_failed(t, bind, gen, what);
  });
}

/// Errors a socket reports on receive after an ICMP message about an earlier
/// send (e.g. "connection refused"): reported, never fatal.
bool icmp_report(int e) {
  return e == ECONNREFUSED || e == ECONNRESET || e == EHOSTUNREACH || e == ENETUNREACH || e == EMSGSIZE ||
         e == ETIMEDOUT;
}

/// Closes s and forgets it (executor only).
void close_socket(io_core& core, io_socket& s) {
  s.open = false;
  error_code ignored;
  s.sock.close(ignored);
  core.sockets.erase(s.gen);
}

/// Hands what one wake-up read to the driver: one turn, in order.
void deliver(io_core& core, const io_socket& s, std::vector<term>& items) {
  if (items.empty()) return;
  core.port.post(core.driver, [bind = s.bind, gen = s.gen, items = std::move(items)](turn_base& t) mutable {
    on_received(t, bind, gen, items);
  });
}

void start_receive(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s);

/// The datagrams of one recvmmsg call, as udp.datagram (after a
/// udp.truncated for one longer than MAX).
void take_datagrams(io_core& core, io_socket& s, const receive_batch& b, std::size_t n, std::vector<term>& out) {
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t size = b.headers[i].msg_len;  // the datagram's own length (MSG_TRUNC)
    const term& peer = core.receiving->peers.of(b.from(i));
    if (size > s.max) {
      ++core.count.truncated;
      out.push_back(rec("udp.truncated", s.bind, peer, static_cast<std::int64_t>(size)));
      size = s.max;
    }
    ++core.count.received;
    out.push_back(rec("udp.datagram", s.bind, peer, term::bytes(b.data(i, size))));
  }
}

/// A receive error: reported; too many in a row (other than ICMP reports)
/// and the socket is given up. False when it was.
bool receive_error(io_core& core, io_socket& s, int e, std::vector<term>& out) {
  ++core.count.errors;
  out.push_back(rec("udp.error", s.bind, sym("unknown"), errno_code(e).message()));
  if (icmp_report(e) || ++s.errors_in_a_row < max_receive_errors) return true;
  deliver(core, s, out);
  close_socket(core, s);
  post_failed(core, s.bind, s.gen,
              fmt::format("{} receive errors in a row, the last: {}", max_receive_errors, errno_code(e).message()));
  return false;
}

void on_readable(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s, const error_code& ec) {
  if (!s->open || ec == asio::error::operation_aborted) return;
  std::vector<term> out;
  if (ec) {
    if (receive_error(*core, *s, ec.value(), out)) {
      deliver(*core, *s, out);
      start_receive(core, s);
    }
    return;
  }
  for (int call = 0; call < receive_calls_per_wakeup; ++call) {
    receive_batch& b = s->in.slots() > 0 ? s->in : core->receiving->shared;
    b.prepare();
    const int n = ::recvmmsg(s->sock.native_handle(), b.headers.data(), static_cast<unsigned>(b.slots()),
                             MSG_DONTWAIT | MSG_TRUNC, nullptr);
    if (n < 0) {
      const int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      if (e == EINTR) continue;
      if (!receive_error(*core, *s, e, out)) return;
      continue;
    }
    s->errors_in_a_row = 0;
    take_datagrams(*core, *s, b, static_cast<std::size_t>(n), out);
    if (static_cast<std::size_t>(n) < b.slots()) break;  // drained, as of this call
    // Every slot filled: a busy socket, given a batch of its own, or a
    // larger one (one that took a single reply, a DNS query's, never is).
    s->in.grow();
    if (call + 1 == receive_calls_per_wakeup) {
      // More may be waiting: come back after the other work that is ready.
      deliver(*core, *s, out);
      asio::post(core->exec, [core, s] { on_readable(core, s, {}); });
      return;
    }
  }
  deliver(*core, *s, out);
  start_receive(core, s);
}

void start_receive(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s) {
  s->sock.async_wait(proto::socket::wait_read, [core, s](const error_code& ec) { on_readable(core, s, ec); });
}

/// False, and o refused, when o and what waits for the socket already
/// would be more than max_pending_bytes.
bool fits(io_core& core, const io_socket& s, const outgoing& o) {
  if (s.pending_bytes + o.bytes().size() <= core.max_pending_bytes) return true;
  ++core.count.refused;
  error_message(core, o.bind, o.peer,
                fmt::format("send queue full: {} bytes pending, limit {}", s.pending_bytes, core.max_pending_bytes));
  return false;
}

/// Sends `out` with Asio, behind the socket's other asynchronous sends:
/// after the kernel said its buffer is full.
void send_later(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s, outgoing&& o) {
  if (!fits(*core, *s, o)) return;
  const std::size_t size = o.bytes().size();
  s->pending_bytes += size;
  ++s->async_sends;
  auto held = std::make_unique<outgoing>(std::move(o));
  const auto buffer = asio::buffer(held->bytes().data(), size);
  const proto::endpoint to = held->to;
  s->sock.async_send_to(buffer, to, [core, s, held = std::move(held)](const error_code& ec, std::size_t) {
    s->pending_bytes -= held->bytes().size();
    --s->async_sends;
    if (!s->open || ec == asio::error::operation_aborted) return;
    if (ec) {
      ++core->count.errors;
      error_message(*core, held->bind, held->peer, ec.message());
      return;
    }
    ++core->count.sent;
  });
}

/// Sends a run of datagrams for one socket generation, in order.
void send_run(const std::shared_ptr<io_core>& core, std::span<outgoing> run) {
  auto it = core->sockets.find(run.front().gen);
  if (it == core->sockets.end()) {  // failed or closed since the driver looked
    for (auto& o : run) {
      ++core->count.refused;
      error_message(*core, o.bind, o.peer, "not bound");
    }
    return;
  }
  const std::shared_ptr<io_socket> s = it->second;
  auto& b = *core->sending;
  std::size_t k = 0;
  while (k < run.size()) {
    if (s->async_sends > 0) {
      send_later(core, s, std::move(run[k++]));
      continue;
    }
    if (!fits(*core, *s, run[k])) {
      ++k;
      continue;
    }
    // The datagrams from k on that fit, up to the batch's size.
    std::size_t n = 1;
    while (n < max_send_batch && k + n < run.size() && s->pending_bytes + run[k + n].bytes().size() <= core->max_pending_bytes)
      ++n;
    for (std::size_t i = 0; i < n; ++i) {
      outgoing& o = run[k + i];
      const auto bytes = o.bytes();
      b.vectors[i] = {const_cast<char*>(bytes.data()), bytes.size()};
      msghdr& h = b.headers[i].msg_hdr;
      h = msghdr{};
      h.msg_name = const_cast<sockaddr*>(o.to.data());
      h.msg_namelen = static_cast<socklen_t>(o.to.size());
      h.msg_iov = &b.vectors[i];
      h.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(s->sock.native_handle(), b.headers.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent > 0) {
      core->count.sent += sent;
      k += static_cast<std::size_t>(sent);
      continue;
    }
    const int e = sent < 0 ? errno : EIO;
    if (e == EINTR) continue;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      send_later(core, s, std::move(run[k++]));
      continue;
    }
    // The first datagram of the call failed (or an ICMP report about an
    // earlier one surfaced with it): reported, and the rest go on.
    ++core->count.errors;
    error_message(*core, run[k].bind, run[k].peer, errno_code(e).message());
    ++k;
  }
}

/// Opens, binds and starts receiving on a socket for BIND as generation
/// `gen`; reports with on_opened or on_failed.
void open_socket(const std::shared_ptr<io_core>& core, const outgoing& o) {
  const term& bind = o.bind;
  const std::int64_t gen = o.gen;
  auto s = std::make_shared<io_socket>(core->exec, bind, gen, o.max);
  error_code ec;
  s->sock.open(o.to.protocol(), ec);
  if (!ec && core->receive_buffer_bytes > 0) {
    // A request: the kernel caps it at net.core.rmem_max, which is fine.
    error_code ignored;
    s->sock.set_option(asio::socket_base::receive_buffer_size(
                           static_cast<int>(std::min<std::size_t>(core->receive_buffer_bytes, 1u << 30))),
                       ignored);
  }
  if (!ec) s->sock.bind(o.to, ec);
  proto::endpoint bound;
  if (!ec) bound = s->sock.local_endpoint(ec);
  if (ec) {
    error_code ignored;
    s->sock.close(ignored);
    post_failed(*core, bind, gen, ec.message());
    return;
  }
  s->open = true;
  core->sockets.emplace(gen, s);
  // Before any datagram of this socket: the driver knows the port first.
  core->port.post(core->driver, [bind, gen, port = static_cast<std::int64_t>(bound.port())](turn_base& t) {
    on_opened(t, bind, gen, port);
  });
  start_receive(core, s);
}

void close_generation(io_core& core, std::int64_t gen) {
  auto it = core.sockets.find(gen);
  if (it == core.sockets.end()) return;
  auto s = it->second;  // keep it alive past the erase
  close_socket(core, *s);
}

/// Does what was queued, in order: runs of sends to one socket go out
/// together.
void flush(const std::shared_ptr<io_core>& core) {
  {
    std::lock_guard lock(core->outbox_mutex);
    core->flushing.swap(core->outbox);
    core->flush_posted = false;
  }
  auto& q = core->flushing;
  for (std::size_t i = 0; i < q.size();) {
    if (q[i].what == outgoing::kind::open) {
      open_socket(core, q[i++]);
      continue;
    }
    if (q[i].what == outgoing::kind::close) {
      close_generation(*core, q[i++].gen);
      continue;
    }
    std::size_t j = i + 1;
    while (j < q.size() && q[j].what == outgoing::kind::send && q[j].gen == q[i].gen) ++j;
    send_run(core, std::span(q.data() + i, j - i));
    i = j;
  }
  q.clear();
}

}  // namespace

void post_close_all(const std::shared_ptr<io_core>& core) {
  asio::post(core->exec, [core] {
    flush(core);  // what the driver accepted before it stopped still goes out
    auto all = std::move(core->sockets);
    core->sockets.clear();
    for (auto& [gen, s] : all) close_socket(*core, *s);
  });
}

void queue(const std::shared_ptr<io_core>& core, outgoing out) {
  {
    std::lock_guard lock(core->outbox_mutex);
    core->outbox.push_back(std::move(out));
    if (core->flush_posted) return;
    core->flush_posted = true;
  }
  asio::post(core->exec, [core] { flush(core); });
}

}  // namespace agora::udp::io
