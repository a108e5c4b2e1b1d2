#include "vm_core.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>

namespace agora::detail {

namespace {

bool tracks_flows(const endpoint_slot& ep) noexcept {
  return ep.handlers && (ep.handlers->has_presence || ep.handlers->has_absence);
}

bool has_handler(const endpoint_slot& ep, event_kind k) noexcept {
  if (!ep.handlers) return false;
  switch (k) {
    case event_kind::presence: return ep.handlers->has_presence;
    case event_kind::absence: return ep.handlers->has_absence;
    default: return ep.handlers->has_message;
  }
}

/// An actor left without endpoints, first turn or nested VM stops.
bool inert(const actor_slot& s) noexcept {
  return s.status == slot_status::live && s.endpoint_count == 0 && !s.start_pending && !s.hosts_vm;
}

void require_concrete(const term& m, bool feedback) {
  if (!m.is_concrete())
    throw term_error(fmt::format("{}: message must be concrete (no _ or $capture): {}",
                                 feedback ? "feedback" : "send", m.to_string()));
}

}  // namespace

[[noreturn]] void throw_state_mismatch(const std::type_info& want,
                                       const std::type_info& have) {
  throw std::logic_error(fmt::format(
      "handler expects actor state of type {} but the actor's state is {}",
      want.name(), have.name()));
}

}  // namespace agora::detail

namespace agora {

void turn_base::require_level(unsigned levels) const {
  if (levels > sink_->reach())
    throw std::logic_error(fmt::format(
        "meta({}): there are only {} level(s) above this actor's VM", levels, sink_->reach()));
}

meta_actions turn_base::at_cluster() const {
  if (!in_cluster())
    throw std::logic_error(
        "at_cluster(): this node has no cluster level (attach an agora::cluster::node to its "
        "ground)");
  return meta_actions(*sink_, self_, sink_->depth() + 1);
}

actor_spec nested_vm(std::string name, std::vector<actor_spec> children) {
  actor_spec spec;
  spec.name = std::move(name);
  spec.vm = std::make_shared<const nested_vm_spec>(nested_vm_spec{std::move(children)});
  return spec;
}

}  // namespace agora

namespace agora::detail {

vm_core::vm_core(std::string name, vm_executor* exec, unsigned depth, std::string path,
                 std::unique_ptr<link_channel> up, bool cluster_above)
    : name_(std::move(name)),
      exec_(exec),
      depth_(depth),
      reach_(depth + (cluster_above ? 1 : 0)),
      path_(path.empty() ? name_ : std::move(path)),
      links_(std::move(up)) {
  if (depth_ > 0 && !links_.has_parent())
    throw std::logic_error("a nested vm needs a channel to its parent");
  started_ = depth_ == 0;
}
vm_core::~vm_core() = default;

void vm_core::attach_upper(std::unique_ptr<link_channel> up) {
  if (depth_ > 0) throw std::logic_error("only a root VM has an upper level");
  if (actors_.live_count() > 0)
    throw std::logic_error("attach the upper level before spawning actors");
  links_.attach_up(std::move(up));
  reach_ = 1;
}

// ---- slots ------------------------------------------------------------------

void vm_core::release_actor(std::uint32_t a) {
  auto& s = actors_[a];
  if (s.named) names_.erase(a);
  if (s.start_pending) starts_.erase(a);
  actors_.release(a);
}

bool vm_core::alive(actor_id a) const noexcept { return actors_.live(a) != nullptr; }

std::string_view vm_core::actor_name(actor_id a) const noexcept {
  auto* s = actors_.live(a);
  if (!s || !s->named) return {};
  return names_.find(a.index())->second;
}

vm_stats vm_core::stats() const noexcept {
  vm_stats s = stats_;
  s.actors = actors_.live_count();
  s.endpoints = endpoints_.live_count();
  s.queued = queue_.size();
  return s;
}

// ---- presence and routing ---------------------------------------------------

void vm_core::enqueue(std::uint64_t target, event_kind k, term topic, term why) {
  if (k != event_kind::start) {
    const auto& ep = endpoints_[endpoint_id{target}.index()];
    if (ep.relay) [[unlikely]] {
      ++stats_.events_delivered;
      static_cast<const relay_handlers&>(*ep.handlers).relay(k, topic, why);
      return;
    }
  }
  // Filled in place (a queued_event built on the stack and moved would be
  // read back while its stores are in flight).
  auto& ev = queue_.emplace_back();
  ev.target = target;
  ev.topic = std::move(topic);
  ev.why = std::move(why);
  ev.kind = k;
}

std::uint32_t vm_core::fill_endpoint(std::uint32_t owner, endpoint_spec&& spec) {
  std::uint32_t e = endpoints_.reserve();
  auto& s = endpoints_[e];
  s.topic = std::move(spec.topic);
  s.handlers = std::move(spec.handlers);
  s.role = spec.role;
  s.interest = spec.interest;
  s.owner = owner;
  return e;
}

template <class Query>
void vm_core::collect(Query&& query) {
  found_.clear();
  query([this](routing_index::entry id) { found_.push_back(id); });
  auto by_slot = [](std::uint64_t a, std::uint64_t b) {
    return endpoint_id{a}.index() < endpoint_id{b}.index();
  };
  if (!std::is_sorted(found_.begin(), found_.end(), by_slot))
    std::sort(found_.begin(), found_.end(), by_slot);
}

void vm_core::activate_endpoint(std::uint32_t e) {
  auto& me = endpoints_[e];
  auto& owner = actors_[me.owner];
  endpoints_.mark_live(e);
  me.prev = no_slot;
  me.next = owner.first_endpoint;
  if (owner.first_endpoint != no_slot) endpoints_[owner.first_endpoint].prev = e;
  owner.first_endpoint = e;
  ++owner.endpoint_count;
  if (trace_) [[unlikely]] trace_endpoint(e, nullptr);

  const std::uint64_t my_id = endpoints_.id_of(e).value;
  if (me.level > 0) {  // declared up there; its events come back down
    link_op op{.kind = link_op_kind::add, .levels = me.level, .role = me.role,
               .interest = me.interest, .id = my_id, .topic = me.topic};
    if (me.handlers) {
      op.has_presence = me.handlers->has_presence;
      op.has_absence = me.handlers->has_absence;
      op.has_message = me.handlers->has_message;
    }
    links_.up(std::move(op));
    return;
  }
  auto& counterparts = me.role == role::publisher ? subscribers_ : publishers_;
  collect([&](auto f) { counterparts.for_each_overlap(me.topic, f); });
  for (std::uint64_t other_id : found_) {
    auto& other = endpoints_[endpoint_id{other_id}.index()];
    // Only endpoints with a presence or absence handler need flow counts.
    bool other_sees = sees(other.interest, me.interest) && tracks_flows(other);
    bool i_see = sees(me.interest, other.interest) && tracks_flows(me);
    if (!other_sees && !i_see) continue;
    term flow = flow_of(other.topic, me.topic);
    auto count_up = [&](endpoint_slot& who, std::uint64_t who_id) {
      if (!who.flows) who.flows = std::make_unique<flow_counts>();
      if (who.flows->count_up(flow) && has_handler(who, event_kind::presence)) {
        if (trace_) [[unlikely]] trace_queued(who_id, event_kind::presence, flow, {}, false);
        enqueue(who_id, event_kind::presence, flow);
      }
    };
    if (other_sees) count_up(other, other_id);
    if (i_see) count_up(me, my_id);
  }
  (me.role == role::publisher ? publishers_ : subscribers_).add(me.topic, my_id);
}

void vm_core::deactivate_endpoint(std::uint32_t e, const term& why) {
  if (trace_) [[unlikely]] trace_endpoint(e, &why);
  auto& me = endpoints_[e];
  const std::uint64_t my_id = endpoints_.id_of(e).value;
  if (me.level > 0) {
    links_.up({.kind = link_op_kind::remove, .id = my_id, .why = located(why, me.owner)});
  } else {
    withdraw_flows(e, my_id, why);
  }
  auto& owner = actors_[me.owner];
  if (me.prev != no_slot) endpoints_[me.prev].next = me.next;
  else owner.first_endpoint = me.next;
  if (me.next != no_slot) endpoints_[me.next].prev = me.prev;
  --owner.endpoint_count;
  endpoints_.release(e);
}

void vm_core::withdraw_flows(std::uint32_t e, std::uint64_t my_id, const term& why) {
  auto& me = endpoints_[e];
  (me.role == role::publisher ? publishers_ : subscribers_).remove(me.topic, my_id);
  auto& counterparts = me.role == role::publisher ? subscribers_ : publishers_;
  collect([&](auto f) { counterparts.for_each_overlap(me.topic, f); });
  for (std::uint64_t other_id : found_) {
    auto& other = endpoints_[endpoint_id{other_id}.index()];
    if (!sees(other.interest, me.interest) || !other.flows) continue;
    term flow = flow_of(other.topic, me.topic);
    if (other.flows->count_down(flow) && has_handler(other, event_kind::absence)) {
      if (trace_) [[unlikely]] trace_queued(other_id, event_kind::absence, flow, why, false);
      enqueue(other_id, event_kind::absence, std::move(flow), why);
    }
  }
}

void vm_core::route(const term& m, bool feedback) {
  auto& targets = feedback ? publishers_ : subscribers_;
  const auto kind = feedback ? event_kind::feedback : event_kind::message;
  collect([&](auto f) { targets.for_each_match(m, f); });
  std::size_t n = 0, relayed = 0;
  for (std::uint64_t id : found_) {
    const auto& ep = endpoints_[endpoint_id{id}.index()];
    if (!has_handler(ep, kind)) continue;
    if (ep.relay) {  // straight to the nested VM (see relay_handlers)
      static_cast<const relay_handlers&>(*ep.handlers).relay(kind, m, {});
      ++relayed;
      continue;
    }
    found_[n++] = id;
  }
  stats_.events_delivered += relayed;
  if (trace_) [[unlikely]] trace_route(m, feedback, n + relayed);
  if (n == 1) enqueue(found_[0], kind, m);
  if (n < 2) return;
  // One queue entry for the whole fan-out: the targets go to a side queue.
  fan_targets_.insert(fan_targets_.end(), found_.begin(), found_.begin() + static_cast<std::ptrdiff_t>(n));
  auto& entry = queue_.emplace_back();  // in place, as in enqueue()
  entry.topic = m;
  entry.kind = kind;
  entry.fan_out = static_cast<std::uint32_t>(n);
}

// ---- actors -----------------------------------------------------------------

void vm_core::activate_actor(std::uint32_t a, actor_spec&& spec) {
  ++spawned_;
  auto& s = actors_[a];
  actors_.mark_live(a);
  if (trace_) [[unlikely]] trace_spawn(a, spec);
  const actor_id id = actors_.id_of(a);
  // The first turn comes before any event caused by the initial endpoints.
  if (s.start_pending) enqueue(id.value, event_kind::start, {});
  if (spec.vm) start_nested(a, spec);
  for (auto& ep : spec.endpoints) activate_endpoint(fill_endpoint(a, std::move(ep)));
  if (inert(s)) terminate_actor(a, reason::quit().as_term());
}

void vm_core::terminate_actor(std::uint32_t a, const term& why) {
  if (trace_) [[unlikely]] trace_stop(a, why);
  while (actors_[a].first_endpoint != no_slot)
    deactivate_endpoint(actors_[a].first_endpoint, why);
  if (actors_[a].hosts_vm) links_.close(a, why, *this);
  const actor_id id = actors_.id_of(a);
  release_actor(a);
  last_exit_ = located(why, a);
  if (exit_hook_) exit_hook_(id, why);
  if (actors_.live_count() == 0 && depth_ > 0 && started_ && !links_.stopped_by_parent() &&
      !reported_done_) {
    reported_done_ = true;
    links_.up({.kind = link_op_kind::done, .why = last_exit_});
  }
}

void spawn_children(vm_core& core, const nested_vm_spec& spec) {
  for (const auto& child : spec.children) {
    try {
      core.spawn_now(child);
    } catch (const std::exception& e) {
      write_log(core.log(), log_level::error,
                fmt::format("vm {}: child {} failed to start: {}", core.path(),
                            child.name.empty() ? "(unnamed)" : child.name, e.what()));
    }
  }
  core.mark_started();
}

void vm_core::mark_started() {
  started_ = true;
  if (actors_.live_count() == 0 && depth_ > 0 && !reported_done_) {
    reported_done_ = true;
    links_.up({.kind = link_op_kind::done, .why = reason::quit().as_term()});
  }
}

void vm_core::prepare_actor(std::uint32_t a, actor_spec& spec) {
  auto& s = actors_[a];
  // Building the state runs user code (S's copy constructor), which may throw.
  if (spec.make_state) s.state = spec.make_state();
  if (!spec.name.empty()) {
    names_[a] = std::move(spec.name);
    s.named = true;
  }
  if (spec.on_start) {
    starts_[a] = std::move(spec.on_start);
    s.start_pending = true;
  }
}

actor_id vm_core::spawn_now(actor_spec spec) {
  std::uint32_t a = actors_.reserve();
  try {
    prepare_actor(a, spec);
  } catch (...) {
    release_actor(a);
    throw;
  }
  actor_id id = actors_.id_of(a);
  activate_actor(a, std::move(spec));
  return id;
}

void vm_core::send_now(const term& m, bool feedback) {
  require_concrete(m, feedback);
  route(m, feedback);
}

void vm_core::stop_now(actor_id who, const reason& why) {
  if (actors_.live(who)) terminate_actor(who.index(), why.as_term());
}

void vm_core::post_turn(actor_id who, std::function<void(turn_base&)> f) {
  if (!actors_.live(who)) {
    ++stats_.events_dropped;
    return;
  }
  posted_.push_back(std::move(f));
  queue_.push_back({.target = who.value, .kind = event_kind::posted});
}

void vm_core::stop_all(const reason& why) {
  // Newest slots first (roughly the reverse of spawn order), one actor at a
  // time, delivering what each stop causes before the next: every survivor
  // sees its counterparts go with `why`. Actors spawned meanwhile are
  // stopped too.
  constexpr std::size_t max_events_between_stops = 100'000;
  std::size_t a = actors_.size();
  while (a-- > 0) {
    if (actors_[a].status != slot_status::live) continue;
    terminate_actor(static_cast<std::uint32_t>(a), why.as_term());
    const std::size_t before = spawned_;
    for (std::size_t n = 0; n < max_events_between_stops && step(); ++n) {
    }
    if (spawned_ != before) a = actors_.size();
  }
}

// ---- recording a turn -------------------------------------------------------

namespace {
void require_levels(unsigned levels, unsigned depth, const char* what) {
  if (levels > depth)
    throw std::logic_error(fmt::format("{} {} VM(s) up, but there are only {} above this one",
                                       what, levels, depth));
}
}  // namespace

endpoint_id vm_core::add_endpoint(actor_id owner, endpoint_spec spec, unsigned levels) {
  require_levels(levels, reach_, "endpoint");
  std::uint32_t e = fill_endpoint(owner.index(), std::move(spec));
  endpoints_[e].level = static_cast<std::uint8_t>(levels);
  endpoint_id id = endpoints_.id_of(e);
  turn_log_.add_endpoint(id);
  return id;
}

void vm_core::remove_endpoint(actor_id owner, endpoint_id ep, reason why) {
  if (ep.index() < endpoints_.size()) {
    auto& s = endpoints_[ep.index()];
    if (s.generation == ep.generation() && s.status != slot_status::free &&
        s.owner != owner.index())
      throw std::logic_error(fmt::format(
          "actor {} tried to remove an endpoint of actor {}", owner.to_string(),
          actors_.id_of(s.owner).to_string()));
  }
  turn_log_.remove_endpoint(ep, why.as_term());
}

void vm_core::send(term m, bool feedback, unsigned levels) {
  require_levels(levels, reach_, feedback ? "feedback" : "send");
  require_concrete(m, feedback);
  turn_log_.send(std::move(m), feedback, levels);
}

actor_id vm_core::spawn(actor_spec spec) {
  std::uint32_t a = actors_.reserve();
  // Recorded first: if building the state throws, the turn's rollback
  // releases the slot with the other recorded actions.
  prepare_actor(a, turn_log_.spawn(actors_.id_of(a), std::move(spec)));
  return actors_.id_of(a);
}

void vm_core::spawn_at(actor_spec spec, unsigned levels) {
  if (levels > depth_ && levels <= reach_)
    throw std::logic_error("spawn: actors cannot be spawned at the cluster level");
  require_levels(levels, depth_, "spawn");
  if (levels == 0) {
    spawn(std::move(spec));
    return;
  }
  turn_log_.spawn_up(std::move(spec), levels);
}

void vm_core::stop(actor_id who, reason why) { turn_log_.stop(who, why.as_term()); }

void vm_core::rollback() {
  turn_log_.roll_back([this](endpoint_id e) { endpoints_.release(e.index()); },
                 [this](actor_id a) { release_actor(a.index()); });
}

void vm_core::commit(std::uint32_t self) {
  // Actions may enqueue spawns' and endpoints' effects; a spawned actor's
  // on_start is only queued, so no user code runs during commit.
  turn_log_.commit([this](action& act) {
    switch (act.kind) {
      case action_kind::add_endpoint: {
        auto e = endpoint_id{act.id}.index();
        if (actors_[endpoints_[e].owner].status == slot_status::live) activate_endpoint(e);
        else endpoints_.release(e);  // its actor stopped earlier in this turn
        break;
      }
      case action_kind::remove_endpoint:
        if (endpoints_.live(endpoint_id{act.id}))
          deactivate_endpoint(endpoint_id{act.id}.index(), act.payload);
        break;
      case action_kind::send:
      case action_kind::feedback: {
        const bool fb = act.kind == action_kind::feedback;
        if (act.levels == 0) route(act.payload, fb);
        else links_.up_send(fb ? event_kind::feedback : event_kind::message, act.levels,
                            std::move(act.payload));
        break;
      }
      case action_kind::spawn_up:
        links_.up({.kind = link_op_kind::spawn, .levels = act.levels,
                   .spec = std::make_shared<actor_spec>(std::move(turn_log_.spec_of(act)))});
        break;
      case action_kind::spawn:
        activate_actor(actor_id{act.id}.index(), std::move(turn_log_.spec_of(act)));
        break;
      case action_kind::stop:
        if (actors_.live(actor_id{act.id})) terminate_actor(actor_id{act.id}.index(), act.payload);
        break;
    }
  });
  if (inert(actors_[self])) terminate_actor(self, reason::quit().as_term());
}

// ---- nesting ----------------------------------------------------------------

term vm_core::located(const term& why, std::uint32_t actor) const {
  if (!why.is_record("crashed", 1)) return why;
  return rec("crashed", why[0], rec("vm", path_), rec("actor", static_cast<std::int64_t>(actor)));
}

void vm_core::start_nested(std::uint32_t a, const actor_spec& spec) {
  if (!exec_)
    throw std::logic_error(fmt::format("vm {} cannot host nested VMs (no executor)", path_));
  actors_[a].hosts_vm = true;
  auto& l = links_.open(a);
  std::string name(actor_name(actors_.id_of(a)));  // prepare_actor took spec.name
  if (name.empty()) name = fmt::format("vm{}", a);
  l.down = exec_->start_child(*this, l.id, std::move(name), spec.vm);
}

void vm_core::receive_up(std::uint64_t link, link_batch&& ops) {
  links_.receive_up(link, std::move(ops), *this);
}

void vm_core::receive_down(link_batch&& ops) { links_.receive_down(std::move(ops), *this); }

void vm_core::flush_links() { links_.flush(*this); }

std::uint32_t vm_core::add_relay(std::uint32_t proxy, link_op& add,
                                 std::shared_ptr<const relay_handlers> handlers) {
  std::uint32_t e = fill_endpoint(proxy, {std::move(add.topic), add.role, add.interest, std::move(handlers)});
  endpoints_[e].level = static_cast<std::uint8_t>(add.levels - 1);
  endpoints_[e].relay = true;
  activate_endpoint(e);
  return e;
}

void vm_core::remove_relay(std::uint32_t e, const term& why) {
  if (endpoints_[e].status == slot_status::live) deactivate_endpoint(e, why);
}

void vm_core::spawn_from_child(std::uint32_t proxy, actor_spec&& spec) {
  try {
    spawn_now(std::move(spec));
  } catch (const std::exception& e) {
    // The requesting turn is long committed; say what was lost.
    write_log(log_, log_level::error,
              fmt::format("vm {}: meta-level spawn from nested vm {} failed: {}", path_,
                          actor_name(actors_.id_of(proxy)), e.what()));
  }
}

void vm_core::child_done(std::uint32_t proxy, const term& why) { terminate_actor(proxy, why); }

void vm_core::stop_from_parent(const term& why) { stop_all(reason(why)); }

// ---- delivering events ------------------------------------------------------

template <class Invoke>
void vm_core::run_turn(std::uint32_t a, const queued_event& ev, Invoke&& invoke) {
  if (trace_) [[unlikely]] trace_turn_start(a, ev);
  ++stats_.turns;
  turn_base t(*this, actors_.id_of(a), actors_[a].state.get());
  std::optional<std::string> crash;
  try {
    invoke(t);
  } catch (const std::exception& e) {
    crash = e.what();
  } catch (...) {
    crash = "unknown exception";
  }
  if (!crash) {
    if (trace_) [[unlikely]] trace_turn_end(a, turn_log_.size(), nullptr);
    commit(a);
    return;
  }
  if (trace_) [[unlikely]] trace_turn_end(a, turn_log_.size(), &*crash);
  rollback();
  ++stats_.crashes;
  terminate_actor(a, reason::crashed(*crash).as_term());
}

bool vm_core::step() {
  if (queue_.empty()) return false;
  queued_event ev;
  auto& front = queue_.front();
  if (front.fan_out > 0) {  // a multicast entry: deliver to its next target
    ev.target = fan_targets_.front();
    fan_targets_.pop_front();
    ev.kind = front.kind;
    if (--front.fan_out == 0) {
      ev.topic = std::move(front.topic);
      queue_.pop_front();
    } else {
      ev.topic = front.topic;
    }
  } else {
    ev = std::move(front);
    queue_.pop_front();
  }

  if (ev.kind == event_kind::start) {
    auto* s = actors_.live(actor_id{ev.target});
    if (!s || !s->start_pending) {
      ++stats_.events_dropped;
      return true;
    }
    ++stats_.events_delivered;
    auto node = starts_.extract(actor_id{ev.target}.index());
    auto start = std::move(node.mapped());
    s->start_pending = false;
    run_turn(actor_id{ev.target}.index(), ev, [&](turn_base& t) { start(t); });
    return true;
  }

  if (ev.kind == event_kind::posted) {
    auto f = std::move(posted_.front());
    posted_.pop_front();
    if (!actors_.live(actor_id{ev.target})) {
      ++stats_.events_dropped;
      return true;
    }
    ++stats_.events_delivered;
    run_turn(actor_id{ev.target}.index(), ev, f);
    return true;
  }

  auto* ep = endpoints_.live(endpoint_id{ev.target});
  if (!ep || !has_handler(*ep, ev.kind)) {
    ++stats_.events_dropped;
    return true;
  }
  ++stats_.events_delivered;
  // Actions are applied only after the handler returns, so the endpoint and
  // its handlers outlive the call: no shared_ptr copy (two atomic RMWs).
  const handler_set* hs = ep->handlers.get();
  const term& pattern = ep->topic;  // slots live in a deque: stable
  const endpoint_id id{ev.target};
  switch (ev.kind) {
    case event_kind::presence:
      run_turn(ep->owner, ev, [&](turn_base& t) {
        hs->on_presence(t, presence(id, std::move(ev.topic), pattern));
      });
      break;
    case event_kind::absence:
      run_turn(ep->owner, ev, [&](turn_base& t) {
        hs->on_absence(t, absence(id, std::move(ev.topic), pattern, reason(std::move(ev.why))));
      });
      break;
    case event_kind::message:
    case event_kind::feedback:
      run_turn(ep->owner, ev, [&](turn_base& t) {
        hs->on_message(t, message(id, std::move(ev.topic), pattern,
                                  ev.kind == event_kind::feedback));
      });
      break;
    case event_kind::start:
    case event_kind::posted:
      break;
  }
  return true;
}

}  // namespace agora::detail
