#include "replica.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "presence_book.hpp"

namespace agora::cluster {

namespace {

constexpr peer_key local_origin = 0;

using detail::flow_of;

}  // namespace

struct replica::endpoint {
  term topic;
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  endpoint_flags flags;
  std::uint64_t handle = 0;  // local: the ground's endpoint id; remote: the peer's handle
  std::uint32_t generation = 0;
  peer_key origin = local_origin;
  bool live = false;
  // Local endpoints with a presence or absence handler: visible counterpart
  // flows and their multiplicity.
  std::unique_ptr<detail::flow_counts> flows;

  bool local() const noexcept { return origin == local_origin; }
  bool tracks_flows() const noexcept { return flags.presence || flags.absence; }
  /// Does this endpoint see `other` (their topics overlapping)?
  bool sees(const endpoint& other) const noexcept {
    return detail::sees(interest, other.interest);
  }
};

struct replica::peer {
  std::unordered_map<std::uint64_t, slot> endpoints;  // the peer's handle -> slot
  std::uint64_t declares_sent = 0;
  std::uint64_t acked = 0;
  struct unacked_declare {
    std::uint64_t number;  // 1-based position in this link's declares
    slot local;
    std::uint32_t generation;
  };
  std::deque<unacked_declare> unacked;
  std::unordered_set<slot> hidden;  // local endpoints whose declare is unacknowledged
};

replica::replica(replica_output& out) : out_(out) {}
replica::~replica() = default;

// ---- the ground's side ------------------------------------------------------

void replica::start(root_port& port) { port_ = &port; }

void replica::stop() {
  stopped_ = true;
  port_ = nullptr;
}

void replica::apply(std::span<upper_action> batch) {
  for (auto& a : batch) {
    switch (a.kind) {
      case upper_action::kind::declare: {
        if (locals_.contains(a.endpoint)) break;  // cannot happen: the ground's ids are unique
        endpoint e;
        e.topic = std::move(a.topic);
        e.role = a.role;
        e.interest = a.interest;
        e.flags = {a.presence, a.absence, a.message};
        e.handle = a.endpoint;
        e.origin = local_origin;
        slot s = add_endpoint(std::move(e));
        locals_.emplace(a.endpoint, s);
        for (auto& [key, p] : peers_) declare_local(s, key);
        presence_between(s);
        break;
      }
      case upper_action::kind::withdraw: {
        auto it = locals_.find(a.endpoint);
        if (it == locals_.end()) break;
        slot s = it->second;
        locals_.erase(it);
        remove_endpoint(s, a.why);
        break;
      }
      case upper_action::kind::send:
      case upper_action::kind::feedback:
        route(a.topic, a.kind == upper_action::kind::feedback, false);
        break;
    }
  }
  deliver_events();
}

// ---- peers' side ------------------------------------------------------------

void replica::peer_up(peer_key p) {
  auto [it, fresh] = peers_.try_emplace(p);
  if (!fresh) throw std::logic_error(fmt::format("replica: peer {} is already up", p));
  for (slot s = 0; s < slots_.size(); ++s)
    if (slots_[s].live && slots_[s].local()) declare_local(s, p);
}

void replica::peer_declare(peer_key p, endpoint_decl d) {
  auto& pr = peers_.at(p);
  if (pr.endpoints.contains(d.handle))
    throw protocol_error(fmt::format("endpoint {} declared twice", d.handle));
  endpoint e;
  e.topic = std::move(d.topic);
  e.role = d.role;
  e.interest = d.interest;
  e.flags = d.flags;
  e.handle = d.handle;
  e.origin = p;
  slot s = add_endpoint(std::move(e));
  pr.endpoints.emplace(d.handle, s);
  presence_between(s);
}

void replica::peer_withdraw(peer_key p, std::uint64_t handle, const term& why) {
  auto& pr = peers_.at(p);
  auto it = pr.endpoints.find(handle);
  if (it == pr.endpoints.end())
    throw protocol_error(fmt::format("withdraw of endpoint {}, which was never declared", handle));
  slot s = it->second;
  pr.endpoints.erase(it);
  remove_endpoint(s, why);
}

void replica::peer_message(peer_key p, const term& body, bool feedback) {
  // The peer must be up; a stream from one peer looks it up once.
  if (p != messaging_peer_) {
    (void)peers_.at(p);
    messaging_peer_ = p;
  }
  if (!body.is_concrete())
    throw protocol_error(fmt::format("{} is not concrete: {}", feedback ? "feedback" : "message",
                                     body.to_string()));
  ++stats_.messages_in;
  route(body, feedback, true);
}

void replica::peer_ack(peer_key p, std::uint64_t n) {
  auto& pr = peers_.at(p);
  if (n > pr.declares_sent)
    throw protocol_error(
        fmt::format("ack of {} declares, but only {} were sent", n, pr.declares_sent));
  if (n < pr.acked)
    throw protocol_error(fmt::format("ack went back from {} to {}", pr.acked, n));
  pr.acked = n;
  while (!pr.unacked.empty() && pr.unacked.front().number <= n) {
    auto u = pr.unacked.front();
    pr.unacked.pop_front();
    const auto& e = slots_[u.local];
    if (!e.live || e.generation != u.generation || !pr.hidden.erase(u.local)) continue;
    reveal_peer(u.local, p);
  }
}

void replica::peer_down(peer_key p, const term& why) {
  auto it = peers_.find(p);
  if (it == peers_.end()) return;
  std::vector<slot> gone;
  gone.reserve(it->second.endpoints.size());
  for (const auto& [handle, s] : it->second.endpoints) gone.push_back(s);
  std::sort(gone.begin(), gone.end());
  // Hidden from the presence rules first: nothing of this peer is revealed
  // on the way out.
  it->second.endpoints.clear();
  for (slot s : gone) remove_endpoint(s, why);
  peers_.erase(p);
  if (messaging_peer_ == p) messaging_peer_.reset();
}

replica_stats replica::stats() const noexcept {
  replica_stats s = stats_;
  s.local_endpoints = locals_.size();
  s.remote_endpoints = 0;
  for (const auto& [key, p] : peers_) s.remote_endpoints += p.endpoints.size();
  return s;
}

// ---- endpoints and presence -------------------------------------------------

replica::slot replica::add_endpoint(endpoint e) {
  slot s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
    e.generation = slots_[s].generation;
    slots_[s] = std::move(e);
  } else {
    s = static_cast<slot>(slots_.size());
    slots_.push_back(std::move(e));
  }
  auto& ep = slots_[s];
  ep.live = true;
  (ep.role == role::publisher ? publishers_ : subscribers_).add(ep.topic, s);
  return s;
}

const std::vector<replica::slot>& replica::overlapping(role r, const term& topic) {
  found_.clear();
  (r == role::publisher ? publishers_ : subscribers_)
      .for_each_overlap(topic, [this](routing_index::entry e) { found_.push_back(static_cast<slot>(e)); });
  std::sort(found_.begin(), found_.end());
  return found_;
}

bool replica::visible_to(slot local, const endpoint& other) const {
  const auto& l = slots_[local];
  if (!l.tracks_flows() || !l.sees(other)) return false;
  if (other.local()) return true;
  const auto& pr = peers_.find(other.origin)->second;
  return !pr.hidden.contains(local);
}

void replica::presence_between(slot fresh) {
  const role other_role = slots_[fresh].role == role::publisher ? role::subscriber : role::publisher;
  // A copy: count_up does not touch the index, but reveal_peer may reuse found_.
  const std::vector<slot> counterparts = overlapping(other_role, slots_[fresh].topic);
  const auto& me = slots_[fresh];
  for (slot c : counterparts) {
    const auto& other = slots_[c];
    if (me.local()) {
      // A fresh local endpoint sees remote ones only once their node has
      // acknowledged its declare (reveal_peer).
      if (other.local() && visible_to(fresh, other)) count_up(fresh, flow_of(other.topic, me.topic));
      if (other.local() && visible_to(c, me)) count_up(c, flow_of(other.topic, me.topic));
    } else if (other.local() && visible_to(c, me)) {
      count_up(c, flow_of(other.topic, me.topic));
    }
  }
}

void replica::reveal_peer(slot l, peer_key p) {
  const auto& me = slots_[l];
  if (!me.tracks_flows()) return;
  const role other_role = me.role == role::publisher ? role::subscriber : role::publisher;
  const std::vector<slot> counterparts = overlapping(other_role, me.topic);
  for (slot c : counterparts) {
    const auto& other = slots_[c];
    if (other.origin == p && me.sees(other)) count_up(l, flow_of(other.topic, me.topic));
  }
}

void replica::remove_endpoint(slot s, const term& why) {
  auto& me = slots_[s];
  (me.role == role::publisher ? publishers_ : subscribers_).remove(me.topic, s);
  const role other_role = me.role == role::publisher ? role::subscriber : role::publisher;
  const std::vector<slot> counterparts = overlapping(other_role, me.topic);
  for (slot c : counterparts) {
    const auto& other = slots_[c];
    if (other.local() && visible_to(c, me)) count_down(c, flow_of(other.topic, me.topic), why);
  }
  if (me.local()) {
    for (auto& [key, p] : peers_) {
      p.hidden.erase(s);
      out_.withdraw_to(key, me.handle, why);
    }
  }
  me.live = false;
  me.flows.reset();
  me.topic = term();
  ++me.generation;
  free_.push_back(s);
}

void replica::count_up(slot who, const term& flow) {
  auto& e = slots_[who];
  if (!e.flows) e.flows = std::make_unique<detail::flow_counts>();
  if (e.flows->count_up(flow) && e.flags.presence)
    pending_.push_back({.kind = upper_event::kind::presence, .endpoint = e.handle, .topic = flow});
}

void replica::count_down(slot who, const term& flow, const term& why) {
  auto& e = slots_[who];
  if (!e.flows || !e.flows->count_down(flow)) return;
  if (e.flags.absence)
    pending_.push_back(
        {.kind = upper_event::kind::absence, .endpoint = e.handle, .topic = flow, .why = why});
}

void replica::declare_local(slot s, peer_key key) {
  auto& p = peers_.at(key);
  const auto& e = slots_[s];
  out_.declare_to(key, {e.handle, e.role, e.interest, e.flags, e.topic});
  ++p.declares_sent;
  p.unacked.push_back({p.declares_sent, s, e.generation});
  p.hidden.insert(s);
}

// ---- messages ---------------------------------------------------------------

void replica::route(const term& body, bool feedback, bool from_peer) {
  found_.clear();
  (feedback ? publishers_ : subscribers_)
      .for_each_match(body, [this](routing_index::entry e) { found_.push_back(static_cast<slot>(e)); });
  if (found_.size() > 1) std::sort(found_.begin(), found_.end());
  targets_.clear();
  const auto kind = feedback ? upper_event::kind::feedback : upper_event::kind::message;
  for (slot s : found_) {
    const auto& e = slots_[s];
    if (!e.flags.message) continue;
    if (e.local()) {
      auto& ev = pending_.emplace_back();  // in place: no temporary to read back
      ev.kind = kind;
      ev.endpoint = e.handle;
      ev.topic = body;
      ++stats_.messages_local;
    } else if (!from_peer) {
      targets_.push_back(e.origin);
    }
  }
  if (targets_.empty()) return;
  if (targets_.size() > 1) {
    std::sort(targets_.begin(), targets_.end());
    targets_.erase(std::unique(targets_.begin(), targets_.end()), targets_.end());
  }
  for (peer_key p : targets_) {
    out_.message_to(p, body, feedback);
    ++stats_.messages_out;
  }
}

void replica::deliver_events() {
  if (pending_.empty()) return;
  if (port_) port_->deliver(std::span<upper_event>(pending_));
  // The storage is kept for the next frame's events, unless a burst grew it.
  if (pending_.capacity() > 16 * 1024) pending_ = {};
  pending_.clear();
}

}  // namespace agora::cluster
