#include "node_core.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "fields.hpp"
#include "handshake.hpp"
#include "agora/cluster/secret.hpp"
#include "session.hpp"

namespace agora::cluster {

namespace {

/// A session frame this large is sealed and sent at once, without waiting
/// for the end of the batch.
// Below glibc's mmap threshold (128 KiB): a frame's buffer comes from the
// heap, not from fresh pages (page faults cost more than the batching gains).
constexpr std::size_t batch_bytes = 60 * 1024;
constexpr std::size_t frame_capacity = 64 * 1024;

std::string_view state_name(member_state s) {
  switch (s) {
    case member_state::up: return "up";
    case member_state::lost: return "lost";
    case member_state::left: return "left";
  }
  return "lost";
}

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

/// A reason as the wire takes it (a concrete symbol or record): an actor may
/// have given any term; that one travels as its text.
term wire_reason(const term& why) {
  if (!reason_problem(why)) return why;
  return rec("reason", why.to_string());
}

}  // namespace

// ---- state ------------------------------------------------------------------

struct node_core::link {
  enum class phase { connecting, handshake, up, closing };
  conn_id conn = 0;
  bool dialed = false;
  std::string address;  // dialed, or the peer's as seen on accept
  phase at = phase::connecting;
  clock::time_point since{};
  std::optional<dialer_handshake> dialer;
  std::optional<acceptor_handshake> acceptor;
  std::optional<session_sealer> sealer;
  std::optional<session_opener> opener;
  std::uint64_t peer_id = 0, peer_inc = 0;
  bool peer_client = false;
  std::string peer_address;  // where the peer listens
  peer_key key = 0;          // in the replica, once up
  clock::time_point last_rx{}, last_tx{}, last_ping{};
  std::vector<std::byte> out;  // the SESSION frame being built (begun), or empty
  std::size_t out_ops = 0;
  std::uint64_t declares_in = 0;
  bool ack_due = false;
  std::optional<term> bye;  // the peer left in order, with this reason
  link_counters counters;
  std::int64_t rtt_us = -1;
  std::size_t queued = 0;  // bytes in the send queue when last seen
  std::optional<clock::time_point> congested_since;  // above send_queue_high since
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
  std::uint64_t member = 0;  // the member it led to (0: none yet)
};

class node_core::ground_link final : public upper_level {
 public:
  explicit ground_link(node_core& core) : core_(core) {}
  void start(root_port& port) override {
    core_.root_ = &port;
    core_.replica_->start(port);
  }
  void apply(std::span<upper_action> batch) override {
    try {
      core_.replica_->apply(batch);
    } catch (const std::exception& e) {
      // A bug, not bad input: say so, and keep the node serving.
      core_.log(log_level::error, fmt::format("cluster level: {}", e.what()));
    }
    core_.flush();
  }
  void stop() override {
    if (core_.congested_) core_.root_->hold(false);
    core_.root_ = nullptr;
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
      ground_side_(std::make_unique<ground_link>(*this)) {
  if (config_.role == node_role::client && config_.id == 0) {
    // A client names itself at random: it is no member, its id only tells
    // its links apart in the logs.
    std::array<std::byte, 4> r{};
    env_.random_bytes(r);
    config_.id = 1 + (std::uint64_t{std::to_integer<std::uint8_t>(r[0])} << 24 |
                      std::uint64_t{std::to_integer<std::uint8_t>(r[1])} << 16 |
                      std::uint64_t{std::to_integer<std::uint8_t>(r[2])} << 8 |
                      std::to_integer<std::uint8_t>(r[3]));
  }
}

node_core::~node_core() = default;

clock::duration node_core::tick_period() const {
  return std::max<clock::duration>(std::chrono::milliseconds(5), config_.heartbeat / 4);
}

void node_core::log(log_level level, std::string line) { env_.log(level, line); }

// ---- start, tick, leave -----------------------------------------------------

std::string node_core::start() {
  if (started_) throw std::logic_error("node_core::start called twice");
  started_ = true;
  net_.start(*this);
  if (config_.role == node_role::member) {
    address_ = net_.listen(config_.listen);
    advertised_ = config_.advertise.empty() ? address_ : config_.advertise;
  }
  const auto now = env_.now();
  last_tick_ = now;
  for (const auto& s : config_.seeds)
    if (s != address_ && s != advertised_) seeds_.push_back({s, 0, now, config_.reconnect_min});
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
    log(log_level::info, fmt::format("local lag of {} ms (this process was stopped or starved): peer "
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
        // The send queue is judged here as well as on_sent: a peer that
        // reads nothing more completes no write, so no on_sent comes.
        note_queue(l, net_.queued(c));
        if (now - l.last_rx > config_.deadline || too_slow(l)) {
          expired.push_back(&l);
        } else if (now - l.last_tx >= config_.heartbeat || now - l.last_ping >= 5 * config_.heartbeat) {
          // Idle links ping to show they live; busy ones now and then, so
          // that both ends know the round-trip time.
          put(l, ops::ping{micros(now)});
          l.last_ping = now;
        }
        break;
      case link::phase::closing:
        break;
    }
  }
  for (link* l : expired) {
    if (l->at != link::phase::up) {
      // A dialed peer that does not answer may be stopped or starved: that
      // is no failed handshake to hold against its address.
      if (l->dialed) log(log_level::warn, fmt::format("handshake with {} failed: handshake timed out", l->address));
      else note_failed_handshake(*l, "handshake timed out");
      drop(*l, sym("timeout"), "handshake timed out");
    } else if (auto why = too_slow(*l)) {
      drop(*l, rec("too_slow", *why), "too slow");
    } else {
      drop(*l, node_lost(l->peer_id),
           fmt::format("silent for {} ms (deadline {} ms)", millis(now - l->last_rx),
                       config_.deadline.count()));
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
    put(*l, ops::bye{wire_reason(why)});
    flush(*l);
    l->at = link::phase::closing;
    net_.close(c, true);
  }
}

void node_core::request_status() {
  status_wanted_ = true;
  // The member the client was pointed at (its seed) answers; another one
  // while that one is away.
  link* to = nullptr;
  for (auto& [c, l] : links_)
    if (l->at == link::phase::up && (!to || l->peer_id == status_peer_)) to = l.get();
  if (to) {
    put(*to, ops::status_req{static_cast<std::int64_t>(++status_tag_)});
    flush(*to);
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

node_identity node_core::identity() const {
  return {static_cast<std::int64_t>(config_.id), static_cast<std::int64_t>(incarnation_),
          config_.role, config_.role == node_role::member ? advertised_ : std::string()};
}

namespace {
/// The refusal REASON sent for an admission refused with `text`.
term refusal(const std::string& text) { return rec("refused", text); }
}  // namespace

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
  try {
    l->acceptor.emplace(
      handshake_params{config_.cluster, identity(), cluster_secret(config_.secret),
                       [this](std::span<std::byte> out) { env_.random_bytes(out); }},
      [this, c](const node_identity& who) -> std::optional<term> {
        const link* me = find(c);
        if (!me) return refusal("gone");
        auto why = admit(*me, static_cast<std::uint64_t>(who.id),
                         static_cast<std::uint64_t>(who.incarnation), who.role == node_role::client,
                         who.address);
        if (why) return refusal(*why);
        return std::nullopt;
      },
      [this](const node_identity&) { return std::vector<op>{ops::welcome{member_list()}}; });
  } catch (const std::exception& e) {
    log(log_level::error, fmt::format("cannot accept {}: {}", peer, e.what()));
    net_.close(c, false);
    return;
  }
  net_.set_limits(c, {.max_frame = max_handshake_frame});
  links_.emplace(c, std::move(l));
}

void node_core::on_connected(conn_id c) {
  link* l = find(c);
  if (!l) return;
  l->at = link::phase::handshake;
  l->since = l->last_rx = env_.now();
  try {
    l->dialer.emplace(handshake_params{config_.cluster, identity(), cluster_secret(config_.secret),
                                       [this](std::span<std::byte> out) { env_.random_bytes(out); }});
  } catch (const std::exception& e) {
    log(log_level::error, fmt::format("cannot dial {}: {}", l->address, e.what()));
    l->at = link::phase::closing;
    net_.close(c, false);
    return;
  }
  net_.set_limits(c, {.max_frame = max_handshake_frame});
  send_raw(*l, l->dialer->start());
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
  note_queue(*l, queued);
  if (l->at == link::phase::up && l->queued > config_.send_queue_max) {
    drop(*l, rec("too_slow", *too_slow(*l)), "too slow");
    return;
  }
  check_congestion();
}

void node_core::note_queue(link& l, std::size_t queued) {
  l.queued = queued;
  if (queued > config_.send_queue_high) {
    if (!l.congested_since) l.congested_since = env_.now();
  } else {
    l.congested_since.reset();
  }
}

std::optional<std::string> node_core::too_slow(const link& l) {
  if (l.queued > config_.send_queue_max)
    return fmt::format("send queue of {} bytes exceeds {}", l.queued, config_.send_queue_max);
  const auto now = env_.now();
  if (l.congested_since && now - *l.congested_since > config_.too_slow_after)
    return fmt::format("send queue above {} bytes for {} ms", config_.send_queue_high,
                       millis(now - *l.congested_since));
  return std::nullopt;
}

void node_core::on_closed(conn_id c, const term& why) {
  auto it = links_.find(c);
  if (it == links_.end()) return;
  auto& l = *it->second;
  if (l.at == link::phase::up) {
    // Reset, EOF, error: the peer is lost at once.
    lose_peer(l, l.bye ? *l.bye : node_lost(l.peer_id), why.to_string());
  } else if (l.at != link::phase::closing) {
    if (l.dialed) log(log_level::debug, fmt::format("dialing {} failed: {}", l.address, why.to_string()));
    else note_failed_handshake(l, fmt::format("connection ended during the handshake: {}", why.to_string()));
  }
  forget(c);
  dial_due();
  flush();
}

// ---- handshake --------------------------------------------------------------

void node_core::handshake_frame(link& l, std::span<const std::byte> frame) {
  handshake_step step;
  try {
    step = l.dialer ? l.dialer->on_frame(frame) : l.acceptor->on_frame(frame);
  } catch (const std::exception& e) {
    step.outcome = handshake_failed{e.what(), std::nullopt};
  }
  if (!step.send.empty()) send_raw(l, std::move(step.send));
  if (l.dialer && l.dialer->peer_verified())
    net_.set_limits(l.conn, {.max_frame = config_.max_frame});
  if (std::holds_alternative<handshake_pending>(step.outcome)) return;
  if (auto* failed = std::get_if<handshake_failed>(&step.outcome)) {
    std::string why = failed->reason;
    if (failed->peer_refusal) {
      const term& r = *failed->peer_refusal;
      why = fmt::format("refused by the peer: {}",
                        r.is_record("refused", 1) && r[0].is_string() ? std::string(r[0].as_string())
                                                                      : r.to_string());
      // A refusal (a wrong secret, another cluster) counts as a failed
      // handshake too: past the limit, neither side keeps trying.
      const unsigned count = count_failed_handshake(l);
      if (count <= 3 || count == config_.failed_handshakes_per_minute)
        log(log_level::error, fmt::format("{} at {}: {}{}", l.dialed ? "dialing" : "peer", l.address,
                                          why, limit_note(l, count)));
    } else {
      note_failed_handshake(l, why);
    }
    // What is owed to the peer (a REFUSE) goes out before the close.
    l.at = link::phase::closing;
    net_.close(l.conn, true);
    return;
  }
  auto& done = std::get<handshake_established>(step.outcome);
  l.peer_id = static_cast<std::uint64_t>(done.peer.id);
  l.peer_inc = static_cast<std::uint64_t>(done.peer.incarnation);
  l.peer_client = done.peer.role == node_role::client;
  l.peer_address = done.peer.address;
  l.sealer.emplace(std::move(done.sealer));
  l.opener.emplace(std::move(done.opener));
  l.dialer.reset();
  l.acceptor.reset();
  if (l.dialed && !l.peer_client) {
    // The acceptor admitted us; check our side too (a link made meanwhile).
    if (auto refusal = admit(l, l.peer_id, l.peer_inc, false, l.peer_address)) {
      log(log_level::info, fmt::format("link to node {} at {} not kept: {}", l.peer_id, l.address, *refusal));
      l.at = link::phase::closing;
      net_.close(l.conn, false);
      return;
    }
  }
  net_.set_limits(l.conn, {.max_frame = config_.max_frame});
  link_up(l);
  try {
    for (auto& o : done.welcome) {
      if (l.at != link::phase::up) break;
      if (auto* w = std::get_if<ops::welcome>(&o)) {
        ops::members known{std::move(w->members)};
        apply(l, known);
      } else {
        std::visit([&](auto& x) { apply(l, x); }, o);
      }
    }
  } catch (const std::exception& e) {
    drop(l, rec("error", e.what()), e.what());
  }
}

std::optional<std::string> node_core::admit(const link& l, std::uint64_t peer_id,
                                            std::uint64_t peer_inc, bool client,
                                            const std::string& peer_address) {
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
                           (other.dialed && !peer_address.empty() && other.address == peer_address);
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
  l.key = next_peer_++;
  if (l.peer_client) {
    // A client takes part in the cluster level (its endpoints and ours
    // cross this link) but is no member: not gossiped, never dialed.
    // The members went in the welcome: the client dials them all.
    log(log_level::info, fmt::format("client {} linked from {}", l.peer_id, l.address));
    replica_->peer_up(l.key);
    return;
  }
  for (auto& s : seeds_)
    if (s.conn == l.conn) {
      s.conn = 0;
      s.member = l.peer_id;
      if (status_peer_ == 0) status_peer_ = l.peer_id;
    }
  auto& m = members_[l.peer_id];
  m.id = l.peer_id;
  m.inc = l.peer_inc;
  if (!l.peer_address.empty()) m.address = l.peer_address;
  m.at = member::state::up;
  m.reason.clear();
  m.conn = l.conn;
  m.backoff = config_.reconnect_min;
  if (config_.role == node_role::client) {
    // A client links to every member it learns of; it has no members to
    // tell about.
    log(log_level::debug, fmt::format("linked to node {} at {}", l.peer_id, l.address));
    replica_->peer_up(l.key);
    if (status_wanted_ && l.peer_id == status_peer_) request_status();
    return;
  }
  log(log_level::info, fmt::format("linked to node {} (incarnation {}) at {}", l.peer_id, l.peer_inc,
                          m.address));
  // Our members first, then our endpoints.
  put(l, ops::members{member_list()});
  replica_->peer_up(l.key);
  gossip_member(m);
}

// ---- session ----------------------------------------------------------------

void node_core::session_frame(link& l, std::span<const std::byte> frame) {
  try {
    op_reader reader(l.opener->open(frame));
    while (auto o = reader.next()) {
      std::visit([&](auto& x) { apply(l, x); }, *o);
      if (l.at != link::phase::up) return;  // a bye or a refuse ended it
    }
  } catch (const std::exception& e) {
    log(log_level::warn, fmt::format("link to node {} at {} ends: {}", l.peer_id, l.address, e.what()));
    drop(l, rec("error", e.what()), e.what());
    return;
  }
  if (l.ack_due) {
    put(l, ops::ack{static_cast<std::int64_t>(l.declares_in)});
    l.ack_due = false;
  }
}

void node_core::apply(link&, ops::welcome&) { throw protocol_error("welcome after the handshake"); }
void node_core::apply(link& l, ops::members& o) {
  if (l.peer_client) return;  // a client knows no members we need
  for (const auto& m : o.list) learn(m);
}
void node_core::apply(link& l, ops::declare& o) {
  replica_->peer_declare(l.key, {static_cast<std::uint64_t>(o.handle), o.role, o.interest,
                                 {o.presence, o.absence, o.message}, std::move(o.topic)});
  ++l.declares_in;
  l.ack_due = true;
}
void node_core::apply(link& l, ops::withdraw& o) {
  replica_->peer_withdraw(l.key, static_cast<std::uint64_t>(o.handle), o.reason);
}
void node_core::apply(link& l, ops::msg& o) {
  ++l.counters.messages_in;
  replica_->peer_message(l.key, o.body, false);
}
void node_core::apply(link& l, ops::fb& o) {
  ++l.counters.messages_in;
  replica_->peer_message(l.key, o.body, true);
}
void node_core::apply(link& l, ops::ack& o) {
  replica_->peer_ack(l.key, static_cast<std::uint64_t>(o.count));
}
void node_core::apply(link& l, ops::ping& o) { put(l, ops::pong{o.time}); }
void node_core::apply(link& l, ops::pong& o) {
  const std::int64_t rtt = micros(env_.now()) - o.time;
  if (rtt >= 0) l.rtt_us = rtt;
}
void node_core::apply(link& l, ops::bye& o) {
  l.bye = o.reason;
  lose_peer(l, o.reason, o.reason.to_string());
  net_.close(l.conn, false);
}
void node_core::apply(link& l, ops::status_req& o) {
  auto s = status();
  env_.complete_status(s);
  put(l, ops::status{o.tag, to_term(s)});
}
void node_core::apply(link&, ops::status& o) {
  auto s = status_from_term(o.report);
  if (!s) throw protocol_error("status: not a well-formed cluster status");
  env_.on_status(*s);
}
void node_core::apply(link& l, ops::refuse& o) {
  log(log_level::error, fmt::format("node {} at {} refused the link: {}", l.peer_id, l.address,
                           o.reason.to_string()));
  drop(l, rec("refused", o.reason), "refused");
}

// ---- replica_output ---------------------------------------------------------

void node_core::declare_to(peer_key p, const endpoint_decl& d) {
  if (link* l = by_peer(p))
    put(*l, ops::declare{static_cast<std::int64_t>(d.handle), d.role, d.interest, d.flags.presence,
                         d.flags.absence, d.flags.message, d.topic});
}
void node_core::withdraw_to(peer_key p, std::uint64_t handle, const term& why) {
  if (link* l = by_peer(p)) put(*l, ops::withdraw{static_cast<std::int64_t>(handle), wire_reason(why)});
}
void node_core::message_to(peer_key p, const term& body, bool feedback) {
  link* l = by_peer(p);
  if (!l) return;
  if (l->out.empty()) begin_frame(*l);
  if (feedback) append_fb(body, l->out);
  else append_msg(body, l->out);
  ++l->out_ops;
  ++l->counters.messages_out;
  // A large batch goes at once; the receiver's limit is the same as ours.
  if (l->out.size() >= batch_bytes) flush(*l);
}

// ---- links and members ------------------------------------------------------

void node_core::lose_peer(link& l, const term& endpoints_why, const std::string& member_reason) {
  if (l.at != link::phase::up) return;
  l.at = link::phase::closing;
  if (l.peer_client) {
    log(log_level::info, fmt::format("client {} at {} gone: {}", l.peer_id, l.address, member_reason));
    replica_->peer_down(l.key, endpoints_why);
    return;
  }
  if (config_.role == node_role::client)
    log(log_level::info, fmt::format("link to node {} ended: {}", l.peer_id, member_reason));
  auto& m = members_[l.peer_id];
  if (m.conn == l.conn) {
    m.conn = 0;
    const bool left = l.bye.has_value();
    m.at = left ? member::state::left : member::state::lost;
    m.reason = member_reason;
    m.backoff = config_.reconnect_min;
    m.next_dial = env_.now() + config_.reconnect_min;
  }
  log(l.bye ? log_level::info : log_level::warn,
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

void node_core::learn(const member_info& info) {
  const auto id = static_cast<std::uint64_t>(info.id);
  const auto inc = static_cast<std::uint64_t>(info.incarnation);
  const std::string& address = info.address;
  if (id == config_.id) {
    // A peer may still list this node's predecessor (an older incarnation,
    // lost or left) — after a restart it does: that is history. A newer
    // incarnation, or another one said to be up, is another process.
    if (inc > incarnation_ || (inc != incarnation_ && info.state == member_state::up))
      log(log_level::error, fmt::format("another process claims this node's id {} (incarnation {}, at {})",
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

namespace {
member_state state_of(int at) {
  return at == 0 ? member_state::up : at == 2 ? member_state::left : member_state::lost;
}
}  // namespace

std::vector<member_info> node_core::member_list() const {
  std::vector<member_info> list;
  if (config_.role == node_role::member)
    list.push_back({static_cast<std::int64_t>(config_.id), static_cast<std::int64_t>(incarnation_),
                    advertised_, member_state::up});
  for (const auto& [id, m] : members_)
    if (!m.address.empty())
      list.push_back({static_cast<std::int64_t>(m.id), static_cast<std::int64_t>(m.inc), m.address,
                      state_of(static_cast<int>(m.at))});
  return list;
}

void node_core::gossip_member(const member& m) {
  if (m.address.empty()) return;
  ops::members one{{{static_cast<std::int64_t>(m.id), static_cast<std::int64_t>(m.inc), m.address,
                     state_of(static_cast<int>(m.at))}}};
  for (auto& [c, l] : links_)
    if (l->at == link::phase::up && l->peer_id != m.id) put(*l, one);  // clients too: they dial it
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
  {
    for (auto& [id, m] : members_) {
      // A member that left in order dials back when it starts again; nobody
      // dials a client, so a client dials it back itself.
      if (m.conn || m.at == member::state::up) continue;
      if (m.at == member::state::left && config_.role == node_role::member) continue;
      if (m.address.empty() || m.next_dial > now || !handshake_allowed(m.address)) continue;
      m.conn = dial(m.address);
      if (m.backoff == clock::duration{}) m.backoff = config_.reconnect_min;
    }
  }
  for (auto& s : seeds_) {
    if (s.conn || s.next_dial > now || !handshake_allowed(s.address)) continue;
    // A seed that is a known member is dialed as one: one at the member's
    // address, or one that led to a member (a name, a proxy, a forwarded
    // port for a member that advertises another address).
    const bool known = members_.contains(s.member) ||
                       std::any_of(members_.begin(), members_.end(),
                                   [&](const auto& kv) { return kv.second.address == s.address; });
    if (known) continue;
    if (config_.role == node_role::client &&
        std::any_of(links_.begin(), links_.end(), [](const auto& kv) { return kv.second->dialed; }))
      continue;
    s.conn = dial(s.address);
  }
}

unsigned node_core::count_failed_handshake(const link& l) {
  const auto now = env_.now();
  // Accepted: by the peer's host (its port changes); dialed: by the
  // address dialed (other nodes may share its host).
  auto& [window_start, count] = failed_[l.dialed ? l.address : host_of(l.address)];
  if (now - window_start > std::chrono::minutes(1)) {
    window_start = now;
    count = 0;
  }
  return ++count;
}

std::string node_core::limit_note(const link& l, unsigned count) const {
  if (count != config_.failed_handshakes_per_minute) return {};
  return l.dialed ? " (this address is not dialed again for a minute)"
                  : " (further failures from this address are refused for a minute)";
}

void node_core::note_failed_handshake(const link& l, std::string_view why) {
  const unsigned count = count_failed_handshake(l);
  if (count <= 3 || count == config_.failed_handshakes_per_minute)
    log(log_level::warn, fmt::format("handshake {} {} failed: {}{}", l.dialed ? "with" : "from",
                                     l.address, why, limit_note(l, count)));
}

bool node_core::handshake_allowed(const std::string& key) {
  auto it = failed_.find(key);
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

void node_core::begin_frame(link& l) {
  if (l.out.capacity() == 0) l.out = net_.spare_buffer();
  l.out.reserve(frame_capacity);
  session_sealer::begin(l.out);
}

void node_core::put(link& l, const op& o) {
  if (l.out.empty()) begin_frame(l);
  append_op(o, l.out);
  ++l.out_ops;
}

void node_core::flush(link& l) {
  if (l.out_ops == 0 || l.at != link::phase::up) return;
  l.sealer->seal(l.out);
  send_raw(l, std::move(l.out));
  l.out = {};
  l.out_ops = 0;
}

void node_core::flush() {
  replica_->deliver_events();
  for (auto& [c, l] : links_) flush(*l);
  check_congestion();
}

void node_core::check_congestion() {
  bool any = false;
  for (auto& [c, l] : links_) {
    if (l->at != link::phase::up) continue;
    note_queue(*l, net_.queued(c));
    any |= l->queued > config_.send_queue_high;
  }
  if (any != congested_) {
    // Back-pressure: while a link's send queue is above send_queue_high,
    // the node's VMs run no turns (docs/CLUSTER.md).
    congested_ = any;
    if (root_) root_->hold(any);
    env_.on_congestion(any);
  }
}

// ---- status -----------------------------------------------------------------

cluster_status node_core::status() const {
  cluster_status s;
  s.node = config_.id;
  s.incarnation = incarnation_;
  for (const auto& e : member_list()) {
    const auto id = static_cast<std::uint64_t>(e.id);
    member_status ms{id, e.address, std::string(state_name(e.state)),
                     static_cast<std::uint64_t>(e.incarnation), {}, {}};
    if (auto it = members_.find(id); it != members_.end()) ms.reason = it->second.reason;
    s.members.push_back(std::move(ms));
  }
  std::sort(s.members.begin(), s.members.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& [c, l] : links_) {
    if (l->at != link::phase::up || l->peer_client) continue;
    s.links.push_back({l->peer_id, l->peer_inc, l->address, l->dialed, l->rtt_us, l->counters, l->queued});
  }
  std::sort(s.links.begin(), s.links.end(),
            [](const auto& a, const auto& b) { return a.peer < b.peer; });
  return s;
}

}  // namespace agora::cluster
