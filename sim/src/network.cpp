#include "network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "agora/sim/simulation.hpp"
#include "host.hpp"

namespace agora::sim::detail {

namespace {

/// Below this many bytes in flight, a delivery does not tell the sender
/// (on_sent) unless it empties the flight: what matters is the back-pressure
/// of a queue that grew, and that an empty one is seen empty.
constexpr std::size_t quiet_queue = 16u << 10;

std::string ephemeral_peer(std::uint64_t id, cluster::conn_id c) {
  std::string a = simulation::address_of(id);
  a.resize(a.rfind(':'));
  return fmt::format("{}:{}", a, 40000 + c % 20000);
}

}  // namespace

network::connection* network::find(conn_key k) {
  auto it = conns_.find(k);
  return it == conns_.end() ? nullptr : &it->second;
}

sim_transport* network::transport_of(node_ref n) const {
  host* h = kernel_.live(n);
  return h ? &h->transport() : nullptr;
}

void network::set_link(std::uint64_t from, std::uint64_t to, std::chrono::microseconds latency,
                       std::chrono::microseconds jitter) {
  links_[{from, to}] = {latency, jitter};
}

network::link_timing network::timing(std::uint64_t from, std::uint64_t to) const {
  auto it = links_.find({from, to});
  return it != links_.end() ? it->second : link_timing{params_.latency, params_.jitter};
}

clock::time_point network::arrival_after(clock::time_point earliest, std::uint64_t from,
                                         std::uint64_t to) {
  const auto [latency, jitter] = timing(from, to);
  const auto spread = static_cast<std::uint64_t>(jitter.count());
  const auto draw = spread ? kernel_.network_random()() % (spread + 1) : 0;
  return earliest + latency + std::chrono::microseconds(draw);
}

// ---- faults -------------------------------------------------------------------

void network::cut(std::uint64_t from, std::uint64_t to) { cuts_.insert({from, to}); }

void network::restore(std::uint64_t from, std::uint64_t to) {
  if (cuts_.erase({from, to})) restore_all_directions();
}

void network::restore_all() {
  cuts_.clear();
  restore_all_directions();
}

void network::restore_all_directions() {
  // What waited behind a cut is sent again (as TCP retransmits): it arrives
  // a latency from now at the earliest.
  for (auto& [k, c] : conns_)
    for (int d = 0; d < 2; ++d) {
      if (c.pumping[d] || c.flight[d].empty() || !c.established) continue;
      if (is_cut(c.ends[d].node.id, c.ends[1 - d].node.id)) continue;
      const auto again = kernel_.now() + timing(c.ends[d].node.id, c.ends[1 - d].node.id).latency;
      for (auto& s : c.flight[d]) s.arrival = std::max(s.arrival, again);
      pump(k, d);
    }
}

void network::resumed(std::uint64_t id) {
  for (auto& [k, c] : conns_)
    for (int d = 0; d < 2; ++d)
      if (c.ends[1 - d].node.id == id && c.established && !c.pumping[d] && !c.flight[d].empty())
        pump(k, d);
}

void network::crashed(sim_transport& t) { t.stop(); }

// ---- connections --------------------------------------------------------------

std::string network::listen(sim_transport& t, const std::string& address) {
  listeners_[address] = t.self();
  t.address_ = address;
  return address;
}

void network::unlisten(const sim_transport& t) {
  auto it = listeners_.find(t.address_);
  if (it != listeners_.end() && it->second == t.self()) listeners_.erase(it);
}

cluster::conn_id network::connect(sim_transport& t, const std::string& address) {
  const conn_key k = next_key_++;
  const cluster::conn_id id = t.next_conn_++;
  connection c;
  c.ends[0] = {t.self(), id, true};
  conns_.emplace(k, std::move(c));
  t.conns_[id] = {k, 0};
  const auto sent = kernel_.now();
  const auto l = listeners_.find(address);
  const std::uint64_t target = l == listeners_.end() ? 0 : l->second.id;
  kernel_.at(arrival_after(sent, t.self().id, target),
             [this, k, address, sent] { syn_arrives(k, address, sent); });
  return id;
}

void network::syn_arrives(conn_key k, std::string address, clock::time_point sent) {
  connection* c = find(k);
  if (!c) return;
  if (!c->ends[0].open) {  // the dialer gave up first
    conns_.erase(k);
    return;
  }
  const std::uint64_t dialer = c->ends[0].node.id;
  auto l = listeners_.find(address);
  sim_transport* target = l == listeners_.end() ? nullptr : transport_of(l->second);
  if (target && target->address_ != address) target = nullptr;
  const std::uint64_t target_id = l == listeners_.end() ? 0 : l->second.id;
  if (target_id && (is_cut(dialer, target_id) || is_cut(target_id, dialer))) {
    fail_dial(k, sent + params_.connect_timeout, "timeout");  // SYN or SYN-ACK lost
    return;
  }
  if (!target) {
    fail_dial(k, kernel_.now() + timing(target_id, dialer).latency, "refused");  // nobody listens: RST
    return;
  }
  const cluster::conn_id id = target->next_conn_++;
  c->ends[1] = {target->self(), id, true};
  c->established = true;
  target->conns_[id] = {k, 1};
  const node_ref acceptor = target->self(), dialer_ref = c->ends[0].node;
  const cluster::conn_id dialer_conn = c->ends[0].conn;
  kernel_.trace().mix(0x53594e);
  kernel_.trace().mix(dialer);
  kernel_.trace().mix(target_id);
  kernel_.trace().line(kernel_.now() - kernel_.start(), [&] {
    return fmt::format("net: n{} -> n{} connected (conns {}, {})", dialer, target_id, dialer_conn, id);
  });
  kernel_.run_for_node(acceptor, [this, acceptor, id, peer = ephemeral_peer(dialer, dialer_conn)] {
    if (auto* t = transport_of(acceptor); t && t->conns_.contains(id))
      if (auto* e = t->events()) e->on_accepted(id, peer);
  });
  // The SYN-ACK takes a latency without jitter: frames sent after the
  // accept come no earlier (and, at the same instant, after it).
  kernel_.at_node(dialer_ref, kernel_.now() + timing(target_id, dialer).latency,
                  [this, dialer_ref, dialer_conn] {
    if (auto* t = transport_of(dialer_ref); t && t->conns_.contains(dialer_conn))
      if (auto* e = t->events()) e->on_connected(dialer_conn);
  });
  if ((c = find(k)) && !c->flight[0].empty() && !c->pumping[0]) pump(k, 0);
}

void network::fail_dial(conn_key k, clock::time_point when, const char* why) {
  connection* c = find(k);
  if (!c) return;
  const end dialer = c->ends[0];
  conns_.erase(k);
  kernel_.at_node(dialer.node, when, [this, dialer, why] {
    auto* t = transport_of(dialer.node);
    if (!t) return;
    auto it = t->conns_.find(dialer.conn);
    if (it == t->conns_.end()) return;  // closed by the dialer meanwhile
    t->conns_.erase(it);
    if (auto* e = t->events()) e->on_closed(dialer.conn, sym(why));
  });
}

void network::send(sim_transport& t, cluster::conn_id id, std::vector<std::byte> wire) {
  if (wire.size() < 4) throw std::invalid_argument("send: a wire frame has a 4-byte length prefix");
  const std::uint32_t n = (std::uint32_t(wire[0]) << 24) | (std::uint32_t(wire[1]) << 16) |
                          (std::uint32_t(wire[2]) << 8) | std::uint32_t(wire[3]);
  if (n != wire.size() - 4)
    throw std::invalid_argument(fmt::format(
        "send: the length prefix says {} bytes, {} follow it", n, wire.size() - 4));
  auto it = t.conns_.find(id);
  if (it == t.conns_.end()) return;
  connection* c = find(it->second.key);
  if (!c || !c->ends[it->second.side].open) return;
  const int side = it->second.side;
  auto& flight = c->flight[side];
  const auto earliest = flight.empty() ? kernel_.now() : std::max(kernel_.now(), flight.back().arrival);
  segment s{seg_kind::data, std::move(wire), {}};
  s.arrival = std::max(arrival_after(kernel_.now(), c->ends[side].node.id, c->ends[1 - side].node.id),
                       earliest);
  push(it->second.key, side, std::move(s));
}

std::size_t network::queued(const sim_transport& t, cluster::conn_id id) const {
  auto it = t.conns_.find(id);
  if (it == t.conns_.end()) return 0;
  auto c = conns_.find(it->second.key);
  return c == conns_.end() ? 0 : c->second.flight_bytes[it->second.side];
}

void network::close(sim_transport& t, cluster::conn_id id, bool flush, bool with_event) {
  auto it = t.conns_.find(id);
  if (it == t.conns_.end()) return;
  const auto [k, side, max_frame] = it->second;
  (void)max_frame;
  t.conns_.erase(it);
  if (connection* c = find(k)) {
    c->ends[side].open = false;
    if (c->established) {
      if (flush) {
        auto& flight = c->flight[side];
        const auto sent = arrival_after(kernel_.now(), c->ends[side].node.id, c->ends[1 - side].node.id);
        const auto at = flight.empty() ? sent : std::max(sent, flight.back().arrival);
        push(k, side, segment{seg_kind::fin, {}, at});
      } else {
        reset_from(k, side);
      }
    }
    forget_if_done(k);
  }
  if (with_event) {
    const node_ref self = t.self();
    kernel_.at_node(self, kernel_.now(), [this, self, id] {
      if (auto* tr = transport_of(self))
        if (auto* e = tr->events()) e->on_closed(id, sym("closed"));
    });
  }
}

void sim_transport::send(cluster::conn_id c, std::vector<std::byte> wire) {
  net_.send(*this, c, std::move(wire));
}

void sim_transport::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::vector<cluster::conn_id> ids;
  for (auto& [id, c] : conns_) ids.push_back(id);
  for (auto id : ids) net_.close(*this, id, true, false);
  net_.unlisten(*this);
}

// ---- moving segments ------------------------------------------------------------

void network::push(conn_key k, int from, segment s) {
  connection* c = find(k);
  if (!c) return;
  if (s.kind == seg_kind::data) c->flight_bytes[from] += s.wire.size();
  c->flight[from].push_back(std::move(s));
  if (c->established && !c->pumping[from]) pump(k, from);
}

void network::pump(conn_key k, int dir) {
  connection* c = find(k);
  if (!c || c->flight[dir].empty()) return;
  c->pumping[dir] = true;
  kernel_.at(std::max(c->flight[dir].front().arrival, kernel_.now()), [this, k, dir] { deliver(k, dir); });
}

void network::reset_from(conn_key k, int side) {
  connection* c = find(k);
  if (!c || c->reset_sent[side]) return;
  c->reset_sent[side] = true;
  auto& flight = c->flight[side];
  flight.clear();  // a reset discards what was not sent yet
  c->flight_bytes[side] = 0;
  push(k, side, segment{seg_kind::rst, {},
                        arrival_after(kernel_.now(), c->ends[side].node.id, c->ends[1 - side].node.id)});
}

void network::deliver(conn_key k, int dir) {
  connection* c = find(k);
  if (!c) return;
  c->pumping[dir] = false;
  if (c->flight[dir].empty()) return;
  const end from = c->ends[dir], to = c->ends[1 - dir];
  if (is_cut(from.node.id, to.node.id)) return;  // stalled: restore() pumps again
  host* receiver = to.open ? kernel_.live(to.node) : nullptr;
  if (!receiver) {
    // Nobody reads at that end: data there is answered with a reset; a FIN
    // or a reset just goes.
    segment s = std::move(c->flight[dir].front());
    c->flight[dir].pop_front();
    if (s.kind == seg_kind::data) {
      c->flight_bytes[dir] -= s.wire.size();
      if (from.open) reset_from(k, 1 - dir);
    }
    if ((c = find(k)) && !c->flight[dir].empty()) pump(k, dir);
    forget_if_done(k);
    return;
  }
  if (receiver->paused() && c->held_bytes[dir] >= params_.receive_buffer) return;  // resumed() pumps
  segment s = std::move(c->flight[dir].front());
  c->flight[dir].pop_front();
  const bool data = s.kind == seg_kind::data;
  const std::size_t size = s.wire.size();
  if (data) {
    const std::size_t before = c->flight_bytes[dir];
    c->flight_bytes[dir] -= size;
    if (receiver->paused()) c->held_bytes[dir] += size;
    if (from.open && (before >= quiet_queue || c->flight_bytes[dir] == 0)) {
      const std::size_t left = c->flight_bytes[dir];
      kernel_.run_for_node(from.node, [this, from, left] {
        if (auto* t = transport_of(from.node); t && t->conns_.contains(from.conn))
          if (auto* e = t->events()) e->on_sent(from.conn, left);
      });
    }
  }
  const bool held = receiver->paused();
  kernel_.run_for_node(to.node, [this, k, dir, held, s = std::move(s)]() mutable {
    take(k, dir, std::move(s), held);
  });
  if ((c = find(k)) && !c->flight[dir].empty() && !c->pumping[dir]) pump(k, dir);
}

void network::take(conn_key k, int dir, segment s, bool held) {
  connection* c = find(k);
  if (!c) return;
  if (held && s.kind == seg_kind::data) c->held_bytes[dir] -= std::min(c->held_bytes[dir], s.wire.size());
  end& to = c->ends[1 - dir];
  sim_transport* t = to.open ? transport_of(to.node) : nullptr;
  if (!t) {
    if (s.kind == seg_kind::data && c->ends[dir].open) reset_from(k, 1 - dir);
    forget_if_done(k);
    return;
  }
  const cluster::conn_id id = to.conn;
  auto& trace = kernel_.trace();
  if (s.kind == seg_kind::data) {
    trace.mix(k);
    trace.mix(std::span<const std::byte>(s.wire));
    trace.line(kernel_.now() - kernel_.start(), [&] {
      return fmt::format("net: n{} -> n{} frame, {} bytes (conn {})", c->ends[dir].node.id,
                         to.node.id, s.wire.size(), id);
    });
    const std::size_t limit = t->conns_.at(id).max_frame;
    if (s.wire.size() - 4 > limit) {
      to.open = false;
      t->conns_.erase(id);
      reset_from(k, 1 - dir);
      forget_if_done(k);
      if (auto* e = t->events())
        e->on_closed(id, rec("too_long", fmt::format("a frame of {} bytes, more than the {} allowed",
                                                     s.wire.size() - 4, limit)));
      return;
    }
    if (auto* e = t->events()) e->on_frame(id, std::span<const std::byte>(s.wire).subspan(4));
    return;
  }
  // FIN or reset: the connection is over at this end too; what this end
  // had not sent yet goes nowhere.
  const char* why = s.kind == seg_kind::fin ? "eof" : "reset";
  trace.mix(k);
  trace.mix(static_cast<std::uint64_t>(s.kind));
  trace.line(kernel_.now() - kernel_.start(), [&] {
    return fmt::format("net: n{} -> n{} {} (conn {})", c->ends[dir].node.id, to.node.id, why, id);
  });
  to.open = false;
  c->flight[1 - dir].clear();
  c->flight_bytes[1 - dir] = 0;
  t->conns_.erase(id);
  forget_if_done(k);
  if (auto* e = t->events()) e->on_closed(id, sym(why));
}

void network::forget_if_done(conn_key k) {
  connection* c = find(k);
  if (!c) return;
  if (c->ends[0].open || c->ends[1].open) return;
  if (c->pumping[0] || c->pumping[1]) return;
  if (!c->flight[0].empty() || !c->flight[1].empty()) return;
  if (c->held_bytes[0] || c->held_bytes[1]) return;
  conns_.erase(k);
}

}  // namespace agora::sim::detail
