// The UDP driver. Two halves that share only counters (atomics):
//  - the VM side (driver_core, in the actor's state, touched only in its
//    turns): the BINDs with interest, their flow counts, state endpoints and
//    socket generations; it validates sends and posts them to the strand;
//  - the I/O side (io_core, touched only on its strand): the open sockets by
//    generation, each with one pending receive and its pending sends. Its
//    completion handlers do nothing but post turns of the driver actor
//    (io_port::post): datagrams, errors and truncation notices are sent on
//    to the subscribers, bind results and socket failures update the
//    driver's state (on_opened / on_failed).
// A BIND that loses its last subscriber is forgotten at once on the VM side
// and its socket closed by a posted handler; a BIND that comes back gets a
// new generation, so late results for an old socket are recognised and
// dropped. Handlers hold the io_core and their socket by shared_ptr.
#include "agora/drivers/udp.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include "agora/ip_text.hpp"
#include "driver_support.hpp"

namespace agora::udp {

namespace {

using namespace drivers_detail;

namespace asio = boost::asio;
using proto = asio::ip::udp;
using error_code = boost::system::error_code;

/// Larger than any UDP payload (65,527 over IPv6): the size a datagram had
/// is always known, whatever MAX.
constexpr std::size_t receive_buffer = 65'536;
/// Receive errors in a row (other than ICMP reports) after which a socket
/// is given up as failed, rather than spinning.
constexpr int max_receive_errors = 100;

struct counters {
  std::atomic<std::int64_t> received{0}, truncated{0}, sent{0}, refused{0}, errors{0};
};

// ---- the I/O side -------------------------------------------------------------

/// Turns of the driver that the I/O side posts (defined with the VM side):
/// socket `gen` of `bind` is bound to `port`, or has failed.
void on_opened(turn_base& t, const term& bind, std::int64_t gen, std::int64_t port);
void on_failed(turn_base& t, const term& bind, std::int64_t gen, const std::string& what);

using strand_type = asio::strand<asio::io_context::executor_type>;

struct io_socket {
  io_socket(const strand_type& strand, term b, std::int64_t g, std::size_t m)
      : sock(strand), bind(std::move(b)), gen(g), max(m) {}
  proto::socket sock;
  term bind;
  std::int64_t gen;
  std::size_t max;
  bool open = false;
  std::unique_ptr<char[]> buffer{new char[receive_buffer]};
  proto::endpoint from;
  proto::endpoint last_from;  // with last_peer: peer(...) of the last sender
  term last_peer;
  std::size_t pending_bytes = 0;
  int errors_in_a_row = 0;
};

struct io_core {
  io_core(io_port& p, actor_id d, std::size_t max_pending, std::size_t receive_buffer)
      : port(p),
        driver(d),
        strand(asio::make_strand(p.io())),
        max_pending_bytes(max_pending),
        receive_buffer_bytes(receive_buffer) {}
  io_port& port;
  actor_id driver;
  strand_type strand;
  std::size_t max_pending_bytes;
  std::size_t receive_buffer_bytes;  // SO_RCVBUF; 0: the system's default
  std::unordered_map<std::int64_t, std::shared_ptr<io_socket>> sockets;  // strand only
  counters count;
};

/// A datagram to send; heap-allocated so that the bytes (inline in `data`
/// when short) stay where the pending send points.
struct outgoing {
  term bind, peer, data;
  proto::endpoint to;
  std::string_view bytes() const { return data.is_bytes() ? data.as_bytes() : data.as_string(); }
};

term peer_term(const proto::endpoint& ep) {
  return rec("peer", ip::normalized(ep.address()).to_string(), static_cast<std::int64_t>(ep.port()));
}

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
bool icmp_report(const error_code& ec) {
  return ec == asio::error::connection_refused || ec == asio::error::connection_reset ||
         ec == asio::error::host_unreachable || ec == asio::error::network_unreachable ||
         ec == asio::error::message_size || ec == asio::error::timed_out;
}

/// Closes s and forgets it (strand only).
void close_socket(io_core& core, io_socket& s) {
  s.open = false;
  error_code ignored;
  s.sock.close(ignored);
  core.sockets.erase(s.gen);
}

void start_receive(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s);

void on_received(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s,
                 const error_code& ec, std::size_t n) {
  if (!s->open || ec == asio::error::operation_aborted) return;
  if (ec) {
    ++core->count.errors;
    error_message(*core, s->bind, sym("unknown"), ec.message());
    if (!icmp_report(ec) && ++s->errors_in_a_row >= max_receive_errors) {
      close_socket(*core, *s);
      post_failed(*core, s->bind, s->gen,
                  fmt::format("{} receive errors in a row, the last: {}", max_receive_errors,
                              ec.message()));
      return;
    }
    start_receive(core, s);
    return;
  }
  s->errors_in_a_row = 0;
  if (s->last_peer.is_bool() || s->from != s->last_from) {
    s->last_from = s->from;
    s->last_peer = peer_term(s->from);
  }
  if (n > s->max) {
    ++core->count.truncated;
    send_as(core->port, core->driver,
            rec("udp.truncated", s->bind, s->last_peer, static_cast<std::int64_t>(n)));
    n = s->max;
  }
  ++core->count.received;
  send_as(core->port, core->driver,
          rec("udp.datagram", s->bind, s->last_peer, term::bytes(std::string_view(s->buffer.get(), n))));
  start_receive(core, s);
}

void start_receive(const std::shared_ptr<io_core>& core, const std::shared_ptr<io_socket>& s) {
  s->sock.async_receive_from(asio::buffer(s->buffer.get(), receive_buffer), s->from,
                             [core, s](const error_code& ec, std::size_t n) {
                               on_received(core, s, ec, n);
                             });
}

void post_open(const std::shared_ptr<io_core>& core, term bind, std::int64_t gen,
               proto::endpoint local, std::size_t max) {
  asio::post(core->strand, [core, bind = std::move(bind), gen, local, max] {
    auto s = std::make_shared<io_socket>(core->strand, bind, gen, max);
    error_code ec;
    s->sock.open(local.protocol(), ec);
    if (!ec && core->receive_buffer_bytes > 0) {
      // A request: the kernel caps it at net.core.rmem_max, which is fine.
      error_code ignored;
      s->sock.set_option(asio::socket_base::receive_buffer_size(
                             static_cast<int>(std::min<std::size_t>(core->receive_buffer_bytes, 1u << 30))),
                         ignored);
    }
    if (!ec) s->sock.bind(local, ec);
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
    core->port.post(core->driver, [bind, gen, port = static_cast<std::int64_t>(bound.port())](
                                      turn_base& t) { on_opened(t, bind, gen, port); });
    start_receive(core, s);
  });
}

void post_close(const std::shared_ptr<io_core>& core, std::int64_t gen) {
  asio::post(core->strand, [core, gen] {
    auto it = core->sockets.find(gen);
    if (it == core->sockets.end()) return;
    auto s = it->second;  // keep it alive past the erase
    close_socket(*core, *s);
  });
}

void post_send(const std::shared_ptr<io_core>& core, std::int64_t gen, std::unique_ptr<outgoing> out) {
  asio::post(core->strand, [core, gen, out = std::move(out)]() mutable {
    auto it = core->sockets.find(gen);
    if (it == core->sockets.end()) {  // failed or closed since the driver looked
      ++core->count.refused;
      error_message(*core, out->bind, out->peer, "not bound");
      return;
    }
    std::shared_ptr<io_socket> s = it->second;
    const std::size_t size = out->bytes().size();
    if (s->pending_bytes + size > core->max_pending_bytes) {
      ++core->count.refused;
      error_message(*core, out->bind, out->peer,
                    fmt::format("send queue full: {} bytes pending, limit {}", s->pending_bytes,
                                core->max_pending_bytes));
      return;
    }
    s->pending_bytes += size;
    const auto buffer = asio::buffer(out->bytes().data(), size);
    const proto::endpoint to = out->to;
    s->sock.async_send_to(buffer, to, [core, s, out = std::move(out)](const error_code& ec, std::size_t) {
      s->pending_bytes -= out->bytes().size();
      if (!s->open || ec == asio::error::operation_aborted) return;
      if (ec) {
        ++core->count.errors;
        error_message(*core, out->bind, out->peer, ec.message());
        return;
      }
      ++core->count.sent;
    });
  });
}

/// Closes every socket, so pending operations complete and let go of the
/// io_core.
void post_close_all(const std::shared_ptr<io_core>& core) {
  asio::post(core->strand, [core] {
    auto all = std::move(core->sockets);
    core->sockets.clear();
    for (auto& [gen, s] : all) close_socket(*core, *s);
  });
}

/// When the actor stops, every socket is closed.
using io_owner = drivers_detail::io_owner<io_core, post_close_all>;

// ---- the VM side --------------------------------------------------------------

enum class bind_state { binding, bound, failed };

struct binding {
  std::uint32_t flows = 0;
  std::int64_t gen = 0;  // the socket's generation; 0: none (failed)
  bind_state state = bind_state::binding;
  std::optional<endpoint_id> state_ep;  // udp.socket(BIND, ...)
  std::size_t max = 0;
  bool v6 = false;
  std::string failure;
};

struct driver_core {
  driver_core(io_port& port, actor_id driver, std::shared_ptr<const driver_options> opts)
      : io(std::make_shared<io_core>(port, driver, opts->max_pending_bytes, opts->receive_buffer_bytes)),
        options(std::move(opts)),
        log(options->name, options->log, port) {}

  io_owner io;
  std::shared_ptr<const driver_options> options;
  driver_log log;
  std::unordered_map<term, binding> binds;
  std::int64_t next_gen = 1;
};

using dturn = turn<driver_state<driver_core, driver_options>>;

/// The local endpoint of udp.bind(HOST, PORT, MAX) or udp.bind(HOST, PORT,
/// MAX, TAG), or what is wrong with it.
std::optional<proto::endpoint> parse_bind(const term& b, std::size_t& max, std::string& why) {
  if (!(b.is_record("udp.bind", 3) || b.is_record("udp.bind", 4)) || !b[0].is_string() ||
      !b[1].is_int() || !b[2].is_int()) {
    why = "want udp.bind(HOST, PORT, MAX) or udp.bind(HOST, PORT, MAX, TAG)";
    return std::nullopt;
  }
  error_code ec;
  const auto addr = asio::ip::make_address(b[0].as_string(), ec);
  if (ec) {
    why = "HOST must be an IP address literal";
    return std::nullopt;
  }
  if (b[1].as_int() < 0 || b[1].as_int() > 65535) {
    why = "PORT must be in [0, 65535]";
    return std::nullopt;
  }
  if (b[2].as_int() < 1 || b[2].as_int() > static_cast<std::int64_t>(max_datagram)) {
    why = fmt::format("MAX must be in [1, {}]", max_datagram);
    return std::nullopt;
  }
  max = static_cast<std::size_t>(b[2].as_int());
  return proto::endpoint(addr, static_cast<std::uint16_t>(b[1].as_int()));
}

void set_state(dturn& t, const term& bind, binding& e, term state, reason why = reason::deleted()) {
  if (e.state_ep) t.remove(*e.state_ep, std::move(why));
  e.state_ep = t.publish(rec("udp.socket", bind, std::move(state)));
}

void on_subscriber(dturn& t, const presence& p) {
  auto& c = *t.state.core;
  const term& flow = p.flow();
  if (!flow.is_record("udp.datagram", 3) || !flow[0].is_concrete()) return;  // a monitor
  const term& bind = flow[0];
  auto [it, fresh] = c.binds.try_emplace(bind);
  binding& e = it->second;
  if (++e.flows > 1) return;
  std::string why;
  auto local = parse_bind(bind, e.max, why);
  if (!local) {
    c.log.write_ignored(fmt::format("cannot bind {}: {}", bind.to_string(), why));
    e.state = bind_state::failed;
    e.failure = why;
    set_state(t, bind, e, rec("failed", why));
    return;
  }
  e.v6 = local->address().is_v6();
  e.gen = c.next_gen++;
  e.state = bind_state::binding;
  post_open(c.io.core, bind, e.gen, *local, e.max);
}

void on_subscriber_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  const term& flow = a.flow();
  if (!flow.is_record("udp.datagram", 3) || !flow[0].is_concrete()) return;
  auto it = c.binds.find(flow[0]);
  if (it == c.binds.end() || --it->second.flows > 0) return;
  if (it->second.gen != 0) post_close(c.io.core, it->second.gen);
  if (it->second.state_ep) t.remove(*it->second.state_ep);
  c.binds.erase(it);
}

/// The binding of BIND if its socket is still generation `gen`.
binding* current(driver_core& c, const term& bind, std::int64_t gen) {
  auto it = c.binds.find(bind);
  if (it == c.binds.end() || it->second.gen != gen) return nullptr;
  return &it->second;
}

void on_opened(turn_base& base, const term& bind, std::int64_t gen, std::int64_t port) {
  dturn t(base);
  binding* e = current(*t.state.core, bind, gen);
  if (!e) return;  // interest went meanwhile: the socket is closed already
  e->state = bind_state::bound;
  set_state(t, bind, *e, rec("bound", port));
}

void on_failed(turn_base& base, const term& bind, std::int64_t gen, const std::string& what) {
  dturn t(base);
  auto& c = *t.state.core;
  binding* e = current(c, bind, gen);
  if (!e) return;
  c.log.write(log_level::warn, fmt::format("{} failed: {}", bind.to_string(), what));
  e->state = bind_state::failed;
  e->gen = 0;  // the I/O side has closed and forgotten it
  e->failure = what;
  set_state(t, bind, *e, rec("failed", what), reason(rec("error", what)));
}

void refuse(dturn& t, const term& bind, const term& peer, std::string what) {
  ++t.state.core->io.core->count.refused;
  t.send(rec("udp.error", bind, peer, std::move(what)));
}

void on_send(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& body = m.body();
  const term& bind = body[0];
  const term& peer = body[1];
  const term& data = body[2];
  if (!peer.is_record("peer", 2) || !peer[0].is_string() || !peer[1].is_int() ||
      !(data.is_bytes() || data.is_string())) {
    c.log.ignore(body, "want udp.send(BIND, peer(HOST, PORT), BYTES)");
    return;
  }
  auto it = c.binds.find(bind);
  if (it == c.binds.end()) return refuse(t, bind, peer, "not bound");
  binding& e = it->second;
  if (e.state == bind_state::failed) return refuse(t, bind, peer, "not bound: " + e.failure);
  const std::string_view bytes = data.is_bytes() ? data.as_bytes() : data.as_string();
  if (bytes.size() > e.max)
    return refuse(t, bind, peer,
                  fmt::format("datagram of {} bytes is longer than MAX ({})", bytes.size(), e.max));
  if (peer[1].as_int() < 1 || peer[1].as_int() > 65535)
    return refuse(t, bind, peer, "peer PORT must be in [1, 65535]");
  error_code ec;
  auto addr = asio::ip::make_address(peer[0].as_string(), ec);
  if (ec) return refuse(t, bind, peer, "peer HOST must be an IP address literal");
  if (e.v6 && addr.is_v4()) {
    addr = asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4());
  } else if (!e.v6 && addr.is_v6()) {
    if (!addr.to_v6().is_v4_mapped()) return refuse(t, bind, peer, "an IPv6 peer for an IPv4 socket");
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  post_send(c.io.core, e.gen,
            std::unique_ptr<outgoing>(new outgoing{
                bind, peer, data, proto::endpoint(addr, static_cast<std::uint16_t>(peer[1].as_int()))}));
}

std::vector<std::int64_t> stats_figures(dturn& t) {
  auto& c = *t.state.core;
  std::int64_t sockets = 0;
  for (auto& [bind, e] : c.binds) sockets += e.state == bind_state::bound;
  const counters& n = c.io.core->count;
  return {sockets,          n.received.load(), n.truncated.load(), n.sent.load(),
          n.refused.load(), n.errors.load(),   c.log.ignored()};
}

}  // namespace

actor_spec driver(io_port& port, driver_options options) {
  auto a = driver_actor<driver_core>(port, std::move(options));
  a.publish(rec("udp.datagram", _, _, _),
            {.on_presence = on_subscriber, .on_absence = on_subscriber_gone},
            interest::everything);
  // Invisible above; this one lets a subscriber see that a driver is there.
  a.publish(rec("udp.datagram", _, _, _));
  serve_request(a, {"udp.send", 3, "udp.send(BIND, peer(HOST, PORT), BYTES)"}, on_send);
  serve_stats(a, "udp", stats_figures);
  return a;
}

std::optional<datagram> read_datagram(const term& body) {
  if (!body.is_record("udp.datagram", 3)) return std::nullopt;
  const term& p = body[1];
  if (!p.is_record("peer", 2) || !p[0].is_string() || !p[1].is_int() || !body[2].is_bytes())
    return std::nullopt;
  return datagram{body[0], p, p[0].as_string(), static_cast<std::uint16_t>(p[1].as_int()),
                  body[2].as_bytes()};
}

std::optional<stats> read_stats(const term& reply) {
  if (!reply.is_record("udp_stats", 8)) return std::nullopt;
  for (std::size_t i = 1; i < 8; ++i)
    if (!reply[i].is_int()) return std::nullopt;
  return stats{reply[1].as_int(), reply[2].as_int(), reply[3].as_int(), reply[4].as_int(),
               reply[5].as_int(), reply[6].as_int(), reply[7].as_int()};
}

void send(turn_base& t, const term& bind, std::string_view host, std::uint16_t port,
          std::string_view bytes) {
  t.at_ground().send(send_message(bind, peer(host, port), term::bytes(bytes)));
}

void send(turn_base& t, const term& bind, const term& peer, std::string_view bytes) {
  t.at_ground().send(send_message(bind, peer, term::bytes(bytes)));
}

}  // namespace agora::udp
