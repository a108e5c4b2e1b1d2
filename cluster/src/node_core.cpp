#include "node_core.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "link_codec.hpp"

namespace agora::cluster {

namespace {

std::int64_t micros(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::int64_t millis(clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// "127.0.0.1" of "127.0.0.1:7101" (and "::1" of "[::1]:7101").
std::string host_of(const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

term node_lost(std::uint64_t id) { return rec("node_lost", static_cast<std::int64_t>(id)); }

}  // namespace

// ---- state ------------------------------------------------------------------

struct node_core::link {
  enum class phase { connecting, handshake, up, closing };
  conn_id conn = 0;
  bool dialed = false;
  std::string address;  // dialed, or the peer's as seen on accept
  phase at = phase::connecting;
  clock::time_point since{};
  std::unique_ptr<link_codec> codec;
  std::uint64_t peer_id = 0, peer_inc = 0;
  bool peer_client = false;
  std::string peer_address;  // where the peer listens
  peer_key key = 0;          // in the replica, once up (members only)
  clock::time_point last_rx{}, last_tx{};
  op_buffer out;
  std::uint64_t declares_in = 0;
  bool ack_due = false;
  std::optional<term> bye;  // the peer left in order, with this reason
  link_counters counters;
  std::int64_t rtt_us = -1;
  std::optional<clock::time_point> congested_since;
};

struct node_core::member {
  std::uint64_t id = 0, inc = 0;
  std::string address;
  enum class state { up, lost, left } at = state::lost;
  std::string reason = "not linked yet";
  conn_id conn = 0;  // the link (being made or up)
  clock::time_point next_dial{};
  clock::duration backoff{};
};

struct node_core::seed_state {
  std::string address;
  conn_id conn = 0;
  clock::time_point next_dial{};
  clock::duration backoff{};
};

class node_core::ground_link final : public upper_level {
 public:
  explicit ground_link(node_core& core) : core_(core) {}
  void start(root_port& port) override { core_.replica_->start(port); }
  void apply(std::vector<upper_action> batch) override {
    core_.replica_->apply(std::move(batch));
    core_.flush();
  }
  void stop() override {
    core_.replica_->stop();
    core_.leave(reason::shutdown().as_term());
  }

 private:
  node_core& core_;
};

node_core::node_core(node_config config, std::uint64_t incarnation, transport& net, node_env& env)
    : config_(std::move(config)),
      incarnation_(incarnation),
      net_(net),
      env_(env),
      replica_(std::make_shared<replica>(static_cast<replica_output&>(*this))),
      ground_side_(std::make_unique<ground_link>(*this)) {}

node_core::~node_core() = default;

clock::duration node_core::tick_period() const {
  return std::max<clock::duration>(std::chrono::milliseconds(5), config_.heartbeat / 4);
}

void node_core::log(std::string_view level, std::string line) { env_.log(level, line); }

// ---- start, tick, leave -----------------------------------------------------

std::string node_core::start() {
  if (started_) throw std::logic_error("node_core::start called twice");
  started_ = true;
  net_.start(*this);
  if (config_.role == node_role::member) address_ = net_.listen(config_.listen);
  const auto now = env_.now();
  last_tick_ = now;
  for (const auto& s : config_.seeds)
    if (s != address_) seeds_.push_back({s, 0, now, config_.reconnect_min});
  dial_due();
  return address_;
}

void node_core::tick() {
  const auto now = env_.now();
  const auto period = tick_period();
  // Local lag: this tick is late (the process was stopped or starved).
  // Peers were not heard meanwhile through no fault of theirs: their
  // deadlines move by the lateness before any is judged.
  const auto lag = now - last_tick_ - period;
  last_tick_ = now;
  if (lag > period) {
    for (auto& [c, l] : links_)
      if (l->at == link::phase::up) l->last_rx = std::min(now, l->last_rx + lag);
    log("info", fmt::format("local lag of {} ms (this process was stopped or starved): peer "
                            "deadlines extended by as much",
                            millis(lag)));
  }
  std::vector<link*> expired;
  for (auto& [c, lp] : links_) {
    auto& l = *lp;
    switch (l.at) {
      case link::phase::connecting:
      case link::phase::handshake:
        if (now - l.since > config_.handshake_timeout) expired.push_back(&l);
        break;
      case link::phase::up:
        if (now - l.last_rx > config_.deadline) {
          expired.push_back(&l);
        } else if (now - l.last_tx >= config_.heartbeat) {
          put_ping(l.out, micros(now));
        }
        if (l.congested_since && now - *l.congested_since > config_.too_slow_after)
          expired.push_back(&l);
        break;
      case link::phase::closing:
        break;
    }
  }
  for (link* l : expired) {
    if (l->at == link::phase::up && l->congested_since &&
        now - *l->congested_since > config_.too_slow_after) {
      drop(*l, rec("too_slow", fmt::format("send queue above {} bytes for {} ms",
                                          config_.send_queue_high, millis(now - *l->congested_since))),
           "too slow");
    } else if (l->at == link::phase::up) {
      drop(*l, node_lost(l->peer_id),
           fmt::format("silent for {} ms (deadline {} ms)", millis(now - l->last_rx),
                       config_.deadline.count()));
    } else {
      note_failed_handshake(*l, "handshake timed out");
      drop(*l, sym("timeout"), "handshake timed out");
    }
  }
  dial_due();
  flush();
}

void node_core::leave(const term& why) {
  if (leaving_) return;
  leaving_ = true;
  for (auto& [c, l] : links_) {
    if (l->at != link::phase::up) continue;
    put_bye(l->out, why);
    flush(*l);
    l->at = link::phase::closing;
    net_.close(c, true);
  }
}

void node_core::request_status() {
  status_wanted_ = true;
  for (auto& [c, l] : links_)
    if (l->at == link::phase::up) {
      put_status_req(l->out, static_cast<std::int64_t>(++status_tag_));
      flush(*l);
      return;
    }
}

// ---- transport events -------------------------------------------------------

node_core::link* node_core::find(conn_id c) {
  auto it = links_.find(c);
  return it == links_.end() ? nullptr : it->second.get();
}

node_core::link* node_core::by_peer(peer_key p) {
  for (auto& [c, l] : links_)
    if (l->key == p && l->at == link::phase::up) return l.get();
  return nullptr;
}

link_identity node_core::identity() const {
  return {config_.cluster, config_.id, incarnation_, config_.role == node_role::client, address_};
}

void node_core::on_accepted(conn_id c, const std::string& peer) {
  if (leaving_ || config_.role == node_role::client || !handshake_allowed(host_of(peer))) {
    net_.close(c, false);
    return;
  }
  auto l = std::make_unique<link>();
  l->conn = c;
  l->address = peer;
  l->at = link::phase::handshake;
  l->since = l->last_rx = env_.now();
  l->codec = link_codec::accept(
      identity(), config_.secret, [this](std::span<std::byte> out) { env_.random_bytes(out); },
      [this, c](const link_identity& who) -> std::optional<std::string> {
        const link* me = find(c);
        return me ? admit(*me, who.id, who.incarnation, who.client) : std::string("gone");
      },
      [this]() { return members_payload(); });
  net_.set_limits(c, {.max_frame = handshake_max_frame});
  links_.emplace(c, std::move(l));
}

void node_core::on_connected(conn_id c) {
  link* l = find(c);
  if (!l) return;
  l->at = link::phase::handshake;
  l->since = l->last_rx = env_.now();
  l->codec = link_codec::dial(identity(), config_.secret,
                              [this](std::span<std::byte> out) { env_.random_bytes(out); });
  net_.set_limits(c, {.max_frame = handshake_max_frame});
  for (auto& frame : l->codec->start()) send_raw(*l, std::move(frame));
}

void node_core::on_frame(conn_id c, std::span<const std::byte> frame) {
  link* l = find(c);
  if (!l || l->at == link::phase::closing) return;
  l->last_rx = env_.now();
  ++l->counters.frames_in;
  l->counters.bytes_in += frame.size() + 4;
  if (l->at == link::phase::handshake) handshake_frame(*l, frame);
  else if (l->at == link::phase::up) session_frame(*l, frame);
  flush();
}

void node_core::on_sent(conn_id c, std::size_t queued) {
  link* l = find(c);
  if (!l) return;
  if (queued > config_.send_queue_max && l->at == link::phase::up) {
    drop(*l, rec("too_slow", fmt::format("send queue of {} bytes exceeds {}", queued, config_.send_queue_max)),
         "too slow");
    return;
  }
  if (queued > config_.send_queue_high) {
    if (!l->congested_since) l->congested_since = env_.now();
  } else {
    l->congested_since.reset();
  }
  check_congestion();
}

void node_core::on_closed(conn_id c, const term& why) {
  auto it = links_.find(c);
  if (it == links_.end()) return;
  auto& l = *it->second;
  if (l.at == link::phase::up) {
    // Reset, EOF, error: the peer is lost at once.
    lose_peer(l, l.bye ? *l.bye : node_lost(l.peer_id), why.to_string());
  } else if (l.at != link::phase::closing) {
    if (l.dialed) log("debug", fmt::format("dialing {} failed: {}", l.address, why.to_string()));
    else note_failed_handshake(l, fmt::format("connection ended during the handshake: {}", why.to_string()));
  }
  forget(c);
  dial_due();
  flush();
}

// ---- handshake --------------------------------------------------------------

void node_core::handshake_frame(link& l, std::span<const std::byte> frame) {
  handshake_outcome o;
  try {
    o = l.codec->feed(frame);
  } catch (const std::exception& e) {
    o = handshake_outcome::failed_with(e.what());
  }
  for (auto& f : o.send) send_raw(l, std::move(f));
  switch (o.state) {
    case handshake_outcome::pending:
      return;
    case handshake_outcome::failed:
      note_failed_handshake(l, o.error);
      drop(l, rec("error", o.error), o.error);
      return;
    case handshake_outcome::established:
      break;
  }
  l.peer_id = o.peer.id;
  l.peer_inc = o.peer.incarnation;
  l.peer_client = o.peer.client;
  l.peer_address = o.peer.address;
  if (l.dialed && !l.peer_client) {
    // The acceptor admitted us; check our side too (a link made meanwhile).
    if (auto refusal = admit(l, l.peer_id, l.peer_inc, false)) {
      log("info", fmt::format("link to node {} at {} not kept: {}", l.peer_id, l.address, *refusal));
      drop(l, rec("refused", *refusal), *refusal);
      return;
    }
  }
  net_.set_limits(l.conn, {.max_frame = config_.max_frame});
  link_up(l);
  // The welcome's ops (members) come with the outcome.
  if (!o.welcome.empty()) apply_ops(l, o.welcome);
}

std::optional<std::string> node_core::admit(const link& l, std::uint64_t peer_id,
                                            std::uint64_t peer_inc, bool client) {
  if (leaving_) return "this node is leaving";
  if (client) {
    if (config_.role == node_role::client) return "a client does not serve clients";
    return std::nullopt;
  }
  if (config_.role == node_role::client && !l.dialed) return "a client accepts no members";
  if (peer_id == config_.id)
    return fmt::format("duplicate node id {}: that is this node's id (incarnation {})", peer_id,
                       incarnation_);
  if (auto m = members_.find(peer_id); m != members_.end()) {
    const member& known = m->second;
    const link* other = known.conn && known.conn != l.conn ? find(known.conn) : nullptr;
    if (other && other->at == link::phase::up) {
      if (other->peer_inc == peer_inc) return fmt::format("node {} is already linked", peer_id);
      return fmt::format("duplicate node id {}: incarnation {} is up at {}", peer_id,
                         other->peer_inc, known.address);
    }
    if (peer_inc < known.inc)
      return fmt::format("node {} incarnation {} is older than incarnation {} seen before",
                         peer_id, peer_inc, known.inc);
  }
  // Simultaneous dials: the link dialed by the lower id stays.
  for (auto& [c, op] : links_) {
    link& other = *op;
    if (c == l.conn || other.at == link::phase::closing || other.at == link::phase::up) continue;
    const bool same_peer = other.peer_id == peer_id ||
                           (other.dialed && !l.peer_address.empty() && other.address == l.peer_address);
    if (!same_peer) continue;
    if (l.dialed == other.dialed) continue;
    const std::uint64_t dialer_of_l = l.dialed ? config_.id : peer_id;
    const std::uint64_t lower = std::min(config_.id, peer_id);
    if (dialer_of_l != lower)
      return fmt::format("simultaneous connect: the link dialed by node {} stays", lower);
    // Ours loses: end the other attempt quietly.
    other.at = link::phase::closing;
    net_.close(c, false);
  }
  return std::nullopt;
}

void node_core::link_up(link& l) {
  const auto now = env_.now();
  l.at = link::phase::up;
  l.since = l.last_rx = l.last_tx = now;
  if (l.peer_client) {
    log("info", fmt::format("client linked from {}", l.address));
    return;
  }
  if (config_.role == node_role::client) {
    log("debug", fmt::format("linked to node {} at {}", l.peer_id, l.address));
    if (status_wanted_) request_status();
    return;
  }
  for (auto& s : seeds_)
    if (s.conn == l.conn) s.conn = 0;
  auto& m = members_[l.peer_id];
  m.id = l.peer_id;
  m.inc = l.peer_inc;
  if (!l.peer_address.empty()) m.address = l.peer_address;
  m.at = member::state::up;
  m.reason.clear();
  m.conn = l.conn;
  m.backoff = config_.reconnect_min;
  l.key = next_peer_++;
  log("info", fmt::format("linked to node {} (incarnation {}) at {}", l.peer_id, l.peer_inc,
                          m.address));
  // Our members first, then our endpoints.
  put_members(l.out, member_list());
  replica_->peer_up(l.key);
  gossip_member(m);
}

// ---- session ----------------------------------------------------------------

void node_core::session_frame(link& l, std::span<const std::byte> frame) {
  std::vector<std::byte> payload;
  try {
    payload = l.codec->open(frame);
  } catch (const std::exception& e) {
    log("warn", fmt::format("link to node {}: {}", l.peer_id, e.what()));
    drop(l, rec("error", e.what()), e.what());
    return;
  }
  apply_ops(l, payload);
}

void node_core::apply_ops(link& l, std::span<const std::byte> payload) {
  try {
    for_each_op(payload, [&](link_op&& op) {
      if (l.at != link::phase::up) return;  // a bye or an error ended it
      std::visit([&](auto& o) { apply(l, o); }, op);
    });
  } catch (const std::exception& e) {
    log("warn", fmt::format("link to node {} at {}: {}", l.peer_id, l.address, e.what()));
    drop(l, rec("error", e.what()), e.what());
    return;
  }
  if (l.ack_due && l.at == link::phase::up) {
    put_ack(l.out, l.declares_in);
    l.ack_due = false;
  }
}

void node_core::apply(link& l, op_members& o) {
  if (l.peer_client || config_.role == node_role::client) return;
  for (const auto& m : o.members) learn(m.id, m.incarnation, m.address);
}
void node_core::apply(link& l, op_declare& o) {
  require_member(l, "declare");
  replica_->peer_declare(l.key, std::move(o.decl));
  ++l.declares_in;
  l.ack_due = true;
}
void node_core::apply(link& l, op_withdraw& o) {
  require_member(l, "withdraw");
  replica_->peer_withdraw(l.key, o.handle, o.why);
}
void node_core::apply(link& l, op_message& o) {
  require_member(l, "msg");
  ++l.counters.messages_in;
  replica_->peer_message(l.key, o.body, o.feedback);
}
void node_core::apply(link& l, op_ack& o) {
  require_member(l, "ack");
  replica_->peer_ack(l.key, o.n);
}
void node_core::apply(link& l, op_ping& o) { put_pong(l.out, o.t); }
void node_core::apply(link& l, op_pong& o) {
  const std::int64_t rtt = micros(env_.now()) - o.t;
  if (rtt >= 0) l.rtt_us = rtt;
}
void node_core::apply(link& l, op_bye& o) {
  l.bye = o.why;
  lose_peer(l, o.why, fmt::format("left: {}", o.why.to_string()));
  l.at = link::phase::closing;
  net_.close(l.conn, false);
}
void node_core::apply(link& l, op_status_req& o) {
  put_status(l.out, o.tag, to_term(status()));
}
void node_core::apply(link&, op_status& o) {
  if (auto s = status_from_term(o.status)) env_.on_status(*s);
  else throw std::runtime_error("status: not a well-formed cluster status");
}
void node_core::apply(link& l, op_refuse& o) {
  log("error", fmt::format("node {} at {} refused the link: {}", l.peer_id, l.address, o.why));
  drop(l, rec("refused", o.why), o.why);
}
void node_core::apply(link&, op_welcome&) {
  throw std::runtime_error("welcome after the handshake");
}

void node_core::require_member(const link& l, std::string_view what) const {
  if (l.peer_client || config_.role == node_role::client)
    throw std::runtime_error(fmt::format("{} on a client link", what));
}

// ---- replica_output ---------------------------------------------------------

void node_core::declare_to(peer_key p, const endpoint_decl& d) {
  if (link* l = by_peer(p)) put_declare(l->out, d);
}
void node_core::withdraw_to(peer_key p, std::uint64_t handle, const term& why) {
  if (link* l = by_peer(p)) put_withdraw(l->out, handle, why);
}
void node_core::message_to(peer_key p, const term& body, bool feedback) {
  link* l = by_peer(p);
  if (!l) return;
  put_message(l->out, body, feedback);
  ++l->counters.messages_out;
  if (l->out.size() >= batch_bytes) flush(*l);
}

// ---- links and members ------------------------------------------------------

void node_core::lose_peer(link& l, const term& endpoints_why, const std::string& member_reason) {
  if (l.at != link::phase::up) return;
  l.at = link::phase::closing;
  if (l.peer_client || config_.role == node_role::client) {
    if (config_.role == node_role::client)
      log("info", fmt::format("link to node {} ended: {}", l.peer_id, member_reason));
    return;
  }
  auto& m = members_[l.peer_id];
  if (m.conn == l.conn) {
    m.conn = 0;
    const bool left = l.bye.has_value();
    m.at = left ? member::state::left : member::state::lost;
    m.reason = member_reason;
    m.backoff = config_.reconnect_min;
    m.next_dial = env_.now() + config_.reconnect_min;
  }
  log(l.bye ? "info" : "warn",
      fmt::format("node {} (incarnation {}) {}: {}", l.peer_id, l.peer_inc,
                  l.bye ? "left" : "lost", member_reason));
  replica_->peer_down(l.key, endpoints_why);
}

void node_core::drop(link& l, const term& why, std::string_view line) {
  if (l.at == link::phase::closing) return;
  if (l.at == link::phase::up) lose_peer(l, l.bye ? *l.bye : node_lost(l.peer_id), std::string(line));
  l.at = link::phase::closing;
  (void)why;
  net_.close(l.conn, false);
}

void node_core::forget(conn_id c) {
  for (auto& [id, m] : members_)
    if (m.conn == c) {
      m.conn = 0;
      m.next_dial = env_.now() + jittered(m.backoff);
      m.backoff = std::min<clock::duration>(m.backoff * 2, config_.reconnect_max);
    }
  for (auto& s : seeds_)
    if (s.conn == c) {
      s.conn = 0;
      s.next_dial = env_.now() + jittered(s.backoff);
      s.backoff = std::min<clock::duration>(s.backoff * 2, config_.reconnect_max);
    }
  links_.erase(c);
}

clock::duration node_core::jittered(clock::duration d) {
  std::byte b[1];
  env_.random_bytes(b);
  // 0.5 to 1.5 times d: nodes that lost each other do not redial in step.
  return d / 2 + d * static_cast<int>(b[0]) / 255;
}

void node_core::learn(std::uint64_t id, std::uint64_t inc, const std::string& address) {
  if (id == config_.id) {
    if (inc != incarnation_)
      log("error", fmt::format("another process claims this node's id {} (incarnation {}, at {})",
                               id, inc, address));
    return;
  }
  auto [it, fresh] = members_.try_emplace(id);
  auto& m = it->second;
  if (fresh) {
    m.id = id;
    m.inc = inc;
    m.address = address;
    m.backoff = config_.reconnect_min;
    m.next_dial = env_.now();
    gossip_member(m);
    return;
  }
  if (m.at != member::state::up && inc > m.inc) {
    m.inc = inc;
    if (!address.empty()) m.address = address;
    if (m.at == member::state::left) {
      m.at = member::state::lost;
      m.reason = "rejoining";
    }
    m.next_dial = env_.now();
  }
}

std::vector<member_entry> node_core::member_list() const {
  std::vector<member_entry> list;
  list.push_back({config_.id, incarnation_, address_, "up"});
  for (const auto& [id, m] : members_)
    list.push_back({m.id, m.inc, m.address,
                    m.at == member::state::up ? "up" : m.at == member::state::left ? "left" : "lost"});
  return list;
}

std::vector<std::byte> node_core::members_payload() const {
  op_buffer b;
  put_members(b, member_list());
  return b.take();
}

void node_core::gossip_member(const member& m) {
  if (m.address.empty()) return;
  std::vector<member_entry> one{{m.id, m.inc, m.address, m.at == member::state::up ? "up" : "lost"}};
  for (auto& [c, l] : links_)
    if (l->at == link::phase::up && !l->peer_client && l->peer_id != m.id) put_members(l->out, one);
}

void node_core::dial_due() {
  if (leaving_ || !started_) return;
  const auto now = env_.now();
  auto dial = [&](const std::string& address) {
    conn_id c = net_.connect(address);
    auto l = std::make_unique<link>();
    l->conn = c;
    l->dialed = true;
    l->address = address;
    l->at = link::phase::connecting;
    l->since = now;
    links_.emplace(c, std::move(l));
    return c;
  };
  if (config_.role == node_role::member) {
    for (auto& [id, m] : members_) {
      if (m.conn || m.at == member::state::up || m.at == member::state::left) continue;
      if (m.address.empty() || m.next_dial > now) continue;
      m.conn = dial(m.address);
      if (m.backoff == clock::duration{}) m.backoff = config_.reconnect_min;
    }
  }
  for (auto& s : seeds_) {
    if (s.conn || s.next_dial > now) continue;
    // A seed that is a known member is dialed as one.
    const bool known = std::any_of(members_.begin(), members_.end(),
                                   [&](const auto& kv) { return kv.second.address == s.address; });
    if (known) continue;
    if (config_.role == node_role::client &&
        std::any_of(links_.begin(), links_.end(), [](const auto& kv) { return kv.second->dialed; }))
      continue;
    s.conn = dial(s.address);
  }
}

void node_core::note_failed_handshake(const link& l, std::string_view why) {
  if (l.dialed) {
    log("warn", fmt::format("handshake with {} failed: {}", l.address, why));
    return;
  }
  const std::string ip = host_of(l.address);
  const auto now = env_.now();
  auto& [window_start, count] = failed_[ip];
  if (now - window_start > std::chrono::minutes(1)) {
    window_start = now;
    count = 0;
  }
  ++count;
  if (count <= 3 || count == config_.failed_handshakes_per_minute)
    log("warn", fmt::format("handshake from {} failed: {}{}", l.address, why,
                            count == config_.failed_handshakes_per_minute
                                ? " (further failures from this address are refused for a minute)"
                                : ""));
}

bool node_core::handshake_allowed(const std::string& ip) {
  auto it = failed_.find(ip);
  if (it == failed_.end()) return true;
  if (env_.now() - it->second.first > std::chrono::minutes(1)) {
    failed_.erase(it);
    return true;
  }
  return it->second.second < config_.failed_handshakes_per_minute;
}

// ---- output -----------------------------------------------------------------

void node_core::send_raw(link& l, std::vector<std::byte> wire) {
  ++l.counters.frames_out;
  l.counters.bytes_out += wire.size();
  l.last_tx = env_.now();
  net_.send(l.conn, std::move(wire));
}

void node_core::flush(link& l) {
  if (l.out.empty() || l.at != link::phase::up) return;
  send_raw(l, l.codec->seal(l.out.take()));
}

void node_core::flush() {
  for (auto& [c, l] : links_) flush(*l);
  check_congestion();
}

void node_core::check_congestion() {
  bool any = false;
  for (const auto& [c, l] : links_)
    if (l->at == link::phase::up && net_.queued(c) > config_.send_queue_high) any = true;
  if (any != congested_) {
    congested_ = any;
    env_.on_congestion(any);
  }
}

// ---- status -----------------------------------------------------------------

cluster_status node_core::status() const {
  cluster_status s;
  s.node = config_.id;
  s.incarnation = incarnation_;
  for (const auto& e : member_list()) {
    member_status ms{e.id, e.address, e.state, e.incarnation, {}};
    if (auto it = members_.find(e.id); it != members_.end()) ms.reason = it->second.reason;
    s.members.push_back(std::move(ms));
  }
  std::sort(s.members.begin(), s.members.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& [c, l] : links_) {
    if (l->at != link::phase::up || l->peer_client) continue;
    s.links.push_back({l->peer_id, l->peer_inc, l->address, l->dialed, l->rtt_us, l->counters});
  }
  std::sort(s.links.begin(), s.links.end(),
            [](const auto& a, const auto& b) { return a.peer < b.peer; });
  return s;
}

}  // namespace agora::cluster
