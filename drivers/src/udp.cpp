// The UDP driver's VM side (udp_io.cpp has the I/O side; they share only
// counters, atomics, and the outbox, under its mutex): the BINDs with
// interest, their flow counts, state endpoints and socket generations. It
// validates sends and queues them for the I/O side; the I/O side posts
// turns of the driver actor (io_port::post) with datagrams, errors and
// truncation notices for the subscribers, and bind results and socket
// failures (on_opened / on_failed).
// A BIND that loses its last subscriber is forgotten at once on the VM side
// and its socket closed by a queued close; a BIND that comes back gets a
// new generation, so late results for an old socket are recognised and
// dropped. Handlers hold the io_core and their socket by shared_ptr.
#include "agora/drivers/udp.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include <array>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "driver_support.hpp"
#include "udp_io.hpp"

namespace agora::udp {

namespace {

using namespace drivers_detail;

namespace asio = boost::asio;
using proto = asio::ip::udp;
using error_code = boost::system::error_code;
using io::io_core;

/// When the actor stops, every socket is closed.
using io_owner = drivers_detail::io_owner<io_core, io::post_close_all>;

// ---- the VM side --------------------------------------------------------------

enum class bind_state { binding, bound, failed };

struct binding {
  std::uint32_t flows = 0;          // subscribers of either form: the socket is open while > 0
  std::uint32_t single_flows = 0;   // of udp.datagram(BIND, _, _)
  std::uint32_t batch_flows = 0;    // of udp.datagrams(BIND, _)
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
  /// The addresses of recent peers: a server answering the same clients
  /// parses each one once (the I/O side's peer terms are shared, so the
  /// comparison is mostly a pointer's).
  struct known_peer {
    term peer;  // false: empty
    asio::ip::address address;
  };
  std::array<known_peer, 16> peers{};
};

/// The address in peer(HOST, PORT), or an error.
std::optional<asio::ip::address> peer_address(driver_core& c, const term& peer) {
  auto& known = c.peers[peer.hash() % c.peers.size()];
  if (!known.peer.is_bool() && known.peer == peer) return known.address;
  error_code ec;
  auto addr = asio::ip::make_address(peer[0].as_string(), ec);
  if (ec) return std::nullopt;
  known = {peer, addr};
  return addr;
}

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

/// The BIND of a subscriber's flow, udp.datagram(BIND, _, _) or
/// udp.datagrams(BIND, _), with which form it is; null for a monitor (a
/// pattern over BINDs).
const term* flow_bind(const term& flow, bool& batch) {
  batch = flow.is_record("udp.datagrams", 2);
  if (!batch && !flow.is_record("udp.datagram", 3)) return nullptr;
  return flow[0].is_concrete() ? &flow[0] : nullptr;
}

void on_subscriber(dturn& t, const presence& p) {
  auto& c = *t.state.core;
  bool batch = false;
  const term* b = flow_bind(p.flow(), batch);
  if (!b) return;
  const term& bind = *b;
  auto [it, fresh] = c.binds.try_emplace(bind);
  binding& e = it->second;
  ++(batch ? e.batch_flows : e.single_flows);
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
  io::queue(c.io.core, {.what = io::outgoing::kind::open, .gen = e.gen, .bind = bind, .to = *local, .max = e.max});
}

void on_subscriber_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  bool batch = false;
  const term* b = flow_bind(a.flow(), batch);
  if (!b) return;
  auto it = c.binds.find(*b);
  if (it == c.binds.end()) return;
  --(batch ? it->second.batch_flows : it->second.single_flows);
  if (--it->second.flows > 0) return;
  if (it->second.gen != 0) io::queue(c.io.core, {.what = io::outgoing::kind::close, .gen = it->second.gen});
  if (it->second.state_ep) t.remove(*it->second.state_ep);
  c.binds.erase(it);
}

/// The binding of BIND if its socket is still generation `gen`.
binding* current(driver_core& c, const term& bind, std::int64_t gen) {
  auto it = c.binds.find(bind);
  if (it == c.binds.end() || it->second.gen != gen) return nullptr;
  return &it->second;
}

}  // namespace

// The I/O side's reports (udp_io.hpp).

void io::on_opened(turn_base& base, const term& bind, std::int64_t gen, std::int64_t port) {
  dturn t(base);
  binding* e = current(*t.state.core, bind, gen);
  if (!e) return;  // interest went meanwhile: the socket is closed already
  e->state = bind_state::bound;
  set_state(t, bind, *e, rec("bound", port));
}

void io::on_failed(turn_base& base, const term& bind, std::int64_t gen, const std::string& what) {
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

void io::on_received(turn_base& base, const term& bind, std::int64_t gen, std::vector<term>& items) {
  dturn t(base);
  const binding* e = current(*t.state.core, bind, gen);
  if (!e) return;  // interest went meanwhile: nobody to tell
  // Datagrams go to each form's subscribers; notices (truncation, errors)
  // go as they are, in order: a batch is cut before each.
  std::vector<term> batch;
  const auto send_batch = [&] {
    if (batch.empty()) return;
    t.send(rec("udp.datagrams", bind, term::sequence(std::move(batch))));
    batch.clear();
  };
  for (auto& item : items) {
    if (!item.is_record("udp.datagram", 3)) {
      send_batch();
      t.send(std::move(item));
      continue;
    }
    if (e->batch_flows > 0) batch.push_back(item);
    if (e->single_flows > 0) t.send(std::move(item));
  }
  send_batch();
}

namespace {

void refuse(dturn& t, const term& bind, const term& peer, std::string what) {
  ++t.state.core->io.core->count.refused;
  t.send(rec("udp.error", bind, peer, std::move(what)));
}

/// One udp.send(BIND, PEER, BYTES): queued for the I/O side, or refused.
void send_one(dturn& t, const term& body) {
  auto& c = *t.state.core;
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
  auto parsed = peer_address(c, peer);
  if (!parsed) return refuse(t, bind, peer, "peer HOST must be an IP address literal");
  auto addr = *parsed;
  if (e.v6 && addr.is_v4()) {
    addr = asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4());
  } else if (!e.v6 && addr.is_v6()) {
    if (!addr.to_v6().is_v4_mapped()) return refuse(t, bind, peer, "an IPv6 peer for an IPv4 socket");
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  io::queue(c.io.core, {.gen = e.gen,
                        .bind = bind,
                        .peer = peer,
                        .data = data,
                        .to = proto::endpoint(addr, static_cast<std::uint16_t>(peer[1].as_int()))});
}

void on_send(dturn& t, const message& m) { send_one(t, m.body()); }

void on_sends(dturn& t, const message& m) {
  const term& list = m.body()[0];
  if (!list.is_sequence()) {
    t.state.core->log.ignore(m.body(), "want udp.sends([udp.send(BIND, PEER, BYTES), ...])");
    return;
  }
  for (const term& one : list.items()) {
    if (one.is_record("udp.send", 3)) send_one(t, one);
    else t.state.core->log.ignore(one, "want udp.send(BIND, peer(HOST, PORT), BYTES) in udp.sends");
  }
}

std::vector<std::int64_t> stats_figures(dturn& t) {
  auto& c = *t.state.core;
  std::int64_t sockets = 0;
  for (auto& [bind, e] : c.binds) sockets += e.state == bind_state::bound;
  const io::counters& n = c.io.core->count;
  return {sockets,          n.received.load(), n.truncated.load(), n.sent.load(),
          n.refused.load(), n.errors.load(),   c.log.ignored()};
}

}  // namespace

actor_spec driver(io_port& port, driver_options options) {
  auto a = driver_actor<driver_core>(port, std::move(options));
  a.publish(rec("udp.datagram", _, _, _),
            {.on_presence = on_subscriber, .on_absence = on_subscriber_gone},
            interest::everything);
  a.publish(rec("udp.datagrams", _, _), {.on_presence = on_subscriber, .on_absence = on_subscriber_gone},
            interest::everything);
  // Invisible above; these let a subscriber see that a driver is there.
  a.publish(rec("udp.datagram", _, _, _));
  a.publish(rec("udp.datagrams", _, _));
  serve_request(a, {"udp.send", 3, "udp.send(BIND, peer(HOST, PORT), BYTES)"}, on_send);
  serve_request(a, {"udp.sends", 1, "udp.sends([udp.send(BIND, PEER, BYTES), ...])"}, on_sends);
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

bool read_datagrams(const term& body, std::vector<datagram>& out) {
  out.clear();
  if (!body.is_record("udp.datagrams", 2) || !body[1].is_sequence()) return false;
  out.reserve(body[1].items().size());
  for (const term& item : body[1].items())
    if (auto d = read_datagram(item)) out.push_back(*d);
  return true;
}

void send_batch::add(const term& bind, const term& peer, std::string_view bytes) {
  items_.push_back(send_message(bind, peer, term::bytes(bytes)));
}

void send_batch::send(turn_base& t) {
  if (items_.empty()) return;
  t.at_ground().send(rec("udp.sends", term::sequence(std::move(items_))));
  items_.clear();
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
