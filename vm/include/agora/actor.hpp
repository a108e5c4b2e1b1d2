// The actor API: what a handler can do during its turn, endpoint handlers,
// and the actor<State> builder used to spawn actors with their initial state
// and initial endpoints.
//
//   struct counter { int n = 0; };
//   auto c = agora::actor<counter>{{}, "counter"}
//     .on_message(rec("inc"), [](agora::turn<counter>& t, const agora::message&) {
//       ++t.state.n;
//     });
//   vm.spawn(c);
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "agora/event.hpp"
#include "agora/term.hpp"

namespace agora {

class turn_base;
struct actor_spec;
struct endpoint_spec;

/// State type of actors that need none.
struct none {};

namespace detail {

struct state_base {
  virtual ~state_base() = default;
  virtual const std::type_info& type() const noexcept = 0;
};

template <class S>
struct state_box final : state_base {
  explicit state_box(S s) : value(std::move(s)) {}
  const std::type_info& type() const noexcept override { return typeid(S); }
  S value;
};

[[noreturn]] void throw_state_mismatch(const std::type_info& want,
                                       const std::type_info& have);

/// Implemented by the VM: records the actions of the running turn.
/// `levels` counts VMs up: 0 is the actor's own VM, 1 its parent (the meta
/// level), depth() the root, and depth() + 1 the cluster level above the
/// root, when the node has one (reach() == depth() + 1).
class turn_sink {
 public:
  virtual endpoint_id add_endpoint(actor_id owner, endpoint_spec spec, unsigned levels) = 0;
  virtual void remove_endpoint(actor_id owner, endpoint_id ep, reason why) = 0;
  virtual void send(term m, bool feedback, unsigned levels) = 0;
  virtual actor_id spawn(actor_spec spec) = 0;
  virtual void spawn_at(actor_spec spec, unsigned levels) = 0;
  virtual void stop(actor_id who, reason why) = 0;
  virtual unsigned depth() const noexcept = 0;
  virtual unsigned reach() const noexcept = 0;

 protected:
  ~turn_sink() = default;
};

}  // namespace detail

/// The type-erased handlers of one endpoint. Shared between all endpoints
/// made from the same spec (or the same shared_handlers), so spawning many
/// alike actors is cheap.
class handler_set {
 public:
  virtual ~handler_set() = default;
  virtual void on_presence(turn_base& t, const presence& e) const = 0;
  virtual void on_absence(turn_base& t, const absence& e) const = 0;
  virtual void on_message(turn_base& t, const message& e) const = 0;
  bool has_presence = false, has_absence = false, has_message = false;
};

/// An endpoint to declare: topic pattern × role × interest × handlers.
struct endpoint_spec {
  term topic;
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  std::shared_ptr<const handler_set> handlers;
};

struct nested_vm_spec;

/// What an actor is at spawn: its initial state and its initial endpoints,
/// which exist from the first instant, plus an optional first turn. A spec
/// made by nested_vm() spawns a whole VM as one actor.
struct actor_spec {
  std::string name;
  std::function<std::unique_ptr<detail::state_base>()> make_state;  // null: stateless
  std::vector<endpoint_spec> endpoints;
  std::function<void(turn_base&)> on_start;
  std::shared_ptr<const nested_vm_spec> vm;  // set: this actor is a nested VM
};

/// The children a nested VM starts with, in order.
struct nested_vm_spec {
  std::vector<actor_spec> children;
};

/// A VM nested in the VM that spawns it: one actor there, whose endpoints
/// are the union of its children's meta-level endpoints. It runs in
/// parallel with its parent and siblings under agora::runtime / ground, and
/// stops when its last child stops.
///   t.spawn(nested_vm("jobs", {worker, worker}));
actor_spec nested_vm(std::string name, std::vector<actor_spec> children);

/// The actions of a turn addressed to a VM `levels` up from the actor's own:
/// 1 is the parent VM ("at meta level"), depth() the root (the ground),
/// depth() + 1 the cluster level (see turn_base::at_cluster).
/// Endpoints declared there belong to this actor: their presence, absence
/// and message events come back to it, and they go away when it stops.
/// Relaying through the VMs in between is automatic.
class meta_actions {
 public:
  meta_actions(detail::turn_sink& sink, actor_id self, unsigned levels)
      : sink_(&sink), self_(self), levels_(levels) {}

  unsigned levels() const noexcept { return levels_; }
  /// Declares an endpoint at that level; remove it with turn_base::remove.
  endpoint_id add(endpoint_spec spec) { return sink_->add_endpoint(self_, std::move(spec), levels_); }
  void send(term m) { sink_->send(std::move(m), false, levels_); }
  void feedback(term m) { sink_->send(std::move(m), true, levels_); }
  /// Spawns an actor in the VM at that level (at level 1: a sibling of this
  /// actor's VM). Its id is not reported back. Not at the cluster level:
  /// spawning there throws std::logic_error.
  void spawn(actor_spec spec) { sink_->spawn_at(std::move(spec), levels_); }

 private:
  detail::turn_sink* sink_;
  actor_id self_;
  unsigned levels_;
};

/// The actions a handler may take. They are collected and applied in order
/// after the handler returns; if it throws, none of them happen.
class turn_base {
 public:
  turn_base(detail::turn_sink& sink, actor_id self, detail::state_base* state)
      : sink_(&sink), self_(self), state_(state) {}

  actor_id self() const noexcept { return self_; }

  /// Declares a new endpoint; its id is valid at once (e.g. to remove it
  /// later in the same turn).
  endpoint_id add(endpoint_spec spec) { return sink_->add_endpoint(self_, std::move(spec), 0); }
  /// Deletes one of this actor's endpoints; counterparts see absence(deleted).
  void remove(endpoint_id ep) { remove(ep, reason::deleted()); }
  void remove(endpoint_id ep, reason why) { sink_->remove_endpoint(self_, ep, std::move(why)); }

  /// Delivers m to every subscriber endpoint whose topic matches it
  /// (this actor's own included). m must be concrete.
  void send(term m) { sink_->send(std::move(m), false, 0); }
  /// Delivers m to every matching publisher endpoint (credit, acks).
  void feedback(term m) { sink_->send(std::move(m), true, 0); }

  /// Spawns an actor with its initial state and endpoints; returns its id.
  actor_id spawn(actor_spec spec) { return sink_->spawn(std::move(spec)); }

  /// Actions in the VM `levels` up (1: the parent VM). Throws
  /// std::logic_error if there is no such VM.
  meta_actions meta(unsigned levels = 1) const {
    require_level(levels);
    return meta_actions(*sink_, self_, levels);
  }
  /// Actions in the root VM of this tree (the ground, where drivers live).
  meta_actions at_ground() const { return meta_actions(*sink_, self_, sink_->depth()); }
  /// Actions at the cluster level, above the grounds of all the nodes:
  /// endpoints declared there are seen by matching endpoints on every
  /// connected node (docs/CLUSTER.md). Throws std::logic_error when this
  /// node has no cluster (no agora::cluster::node attached to its ground).
  meta_actions at_cluster() const;
  /// How many VMs are above this actor's VM (0 in the root).
  unsigned depth() const noexcept { return sink_->depth(); }
  /// Whether a cluster level stands above this node's ground.
  bool in_cluster() const noexcept { return sink_->reach() > sink_->depth(); }

  /// Stops this actor: its endpoints go away with reason quit (or `why`).
  void quit() { quit(reason::quit()); }
  void quit(reason why) { sink_->stop(self_, std::move(why)); }
  /// Stops another actor of the same VM.
  void stop(actor_id other) { stop(other, reason::quit()); }
  void stop(actor_id other, reason why) { sink_->stop(other, std::move(why)); }

  /// The actor's state, checked against its actual type.
  template <class S>
  S& state_as() const {
    if constexpr (std::is_same_v<S, none>) {
      return none_;
    } else {
      if (!state_ || state_->type() != typeid(S))
        detail::throw_state_mismatch(typeid(S), state_ ? state_->type() : typeid(none));
      return static_cast<detail::state_box<S>*>(state_)->value;
    }
  }

 private:
  void require_level(unsigned levels) const;

  detail::turn_sink* sink_;
  actor_id self_;
  detail::state_base* state_;
  mutable none none_;
};

template <class S = none>
class turn;

/// Handlers of an endpoint of an actor whose state is S. Any may be empty.
///   { .on_presence = [](turn<S>& t, const presence& p) { ... },
///     .on_absence  = [](turn<S>& t, const absence& a) { ... },
///     .on_message  = [](turn<S>& t, const message& m) { ... } }
template <class S = none>
struct handlers {
  // Default member initializers keep -Wextra quiet about the ones left out.
  std::function<void(turn<S>&, const presence&)> on_presence{};
  std::function<void(turn<S>&, const absence&)> on_absence{};
  std::function<void(turn<S>&, const message&)> on_message{};
};

namespace detail {
template <class S>
class typed_handler_set final : public handler_set {
 public:
  explicit typed_handler_set(handlers<S> h) : h_(std::move(h)) {
    has_presence = static_cast<bool>(h_.on_presence);
    has_absence = static_cast<bool>(h_.on_absence);
    has_message = static_cast<bool>(h_.on_message);
  }
  void on_presence(turn_base& b, const presence& e) const override {
    turn<S> t(b);
    h_.on_presence(t, e);
  }
  void on_absence(turn_base& b, const absence& e) const override {
    turn<S> t(b);
    h_.on_absence(t, e);
  }
  void on_message(turn_base& b, const message& e) const override {
    turn<S> t(b);
    h_.on_message(t, e);
  }

 private:
  handlers<S> h_;
};
}  // namespace detail

/// Handlers made once and shared by every endpoint that uses them — the way
/// to spawn many alike actors without a copy of the handlers each:
///   static const auto inbox_handlers = make_handlers<session>({.on_message = ...});
///   for (...) vm.spawn(actor<session>{{id}}.subscribe(rec("inbox", id), inbox_handlers));
template <class S>
class shared_handlers {
 public:
  explicit shared_handlers(handlers<S> h)
      : set_(h.on_presence || h.on_absence || h.on_message
                 ? std::make_shared<const detail::typed_handler_set<S>>(std::move(h))
                 : nullptr) {}
  const std::shared_ptr<const handler_set>& erased() const noexcept { return set_; }

 private:
  std::shared_ptr<const handler_set> set_;
};

template <class S>
shared_handlers<S> make_handlers(handlers<S> h) {
  return shared_handlers<S>(std::move(h));
}

/// meta_actions with typed handlers for an actor whose state is S.
template <class S>
class meta_turn : public meta_actions {
 public:
  explicit meta_turn(meta_actions base) : meta_actions(base) {}

  endpoint_id subscribe(term topic, handlers<S> h = {},
                        agora::interest i = interest::participant) {
    return subscribe(std::move(topic), shared_handlers<S>(std::move(h)), i);
  }
  endpoint_id subscribe(term topic, const shared_handlers<S>& h,
                        agora::interest i = interest::participant) {
    return add({std::move(topic), role::subscriber, i, h.erased()});
  }
  endpoint_id publish(term topic, handlers<S> h = {},
                      agora::interest i = interest::participant) {
    return publish(std::move(topic), shared_handlers<S>(std::move(h)), i);
  }
  endpoint_id publish(term topic, const shared_handlers<S>& h,
                      agora::interest i = interest::participant) {
    return add({std::move(topic), role::publisher, i, h.erased()});
  }
};

/// A turn of an actor whose state is S: the actions of turn_base plus typed
/// access to the state and to endpoints with typed handlers.
template <class S>
class turn : public turn_base {
 public:
  explicit turn(turn_base& base) : turn_base(base), state(base.state_as<S>()) {}

  S& state;

  /// Typed actions in the VM `levels` up (see meta_actions).
  meta_turn<S> meta(unsigned levels = 1) const { return meta_turn<S>(turn_base::meta(levels)); }
  meta_turn<S> at_ground() const { return meta_turn<S>(turn_base::at_ground()); }
  meta_turn<S> at_cluster() const { return meta_turn<S>(turn_base::at_cluster()); }

  // Endpoints in this actor's own VM: level 0.
  endpoint_id subscribe(term topic, handlers<S> h = {},
                        agora::interest i = interest::participant) {
    return meta(0).subscribe(std::move(topic), std::move(h), i);
  }
  endpoint_id subscribe(term topic, const shared_handlers<S>& h,
                        agora::interest i = interest::participant) {
    return meta(0).subscribe(std::move(topic), h, i);
  }
  endpoint_id publish(term topic, handlers<S> h = {},
                      agora::interest i = interest::participant) {
    return meta(0).publish(std::move(topic), std::move(h), i);
  }
  endpoint_id publish(term topic, const shared_handlers<S>& h,
                      agora::interest i = interest::participant) {
    return meta(0).publish(std::move(topic), h, i);
  }
};

template <class F, class S, class Event>
concept event_handler = std::invocable<F&, turn<S>&, const Event&>;

/// Builder for actor_spec with typed state:
///   actor<room_user>{{"alice"}, "alice"}.publish(...).subscribe(...)
template <class S = none>
class actor {
  static_assert(std::is_copy_constructible_v<S>,
                "actor state must be copyable: one spec may spawn many actors");

 public:
  explicit actor(S initial = {}, std::string name = {}) {
    spec_.name = std::move(name);
    if constexpr (!std::is_same_v<S, none>)
      spec_.make_state = [s = std::move(initial)]() -> std::unique_ptr<detail::state_base> {
        return std::make_unique<detail::state_box<S>>(s);
      };
  }

  actor& named(std::string name) & { return spec_.name = std::move(name), *this; }
  actor&& named(std::string name) && { return std::move(named(std::move(name))); }

  /// A subscriber endpoint: receives messages matching `topic`, sees
  /// publishers of overlapping topics come and go.
  actor& subscribe(term topic, handlers<S> h = {}, interest i = interest::participant) & {
    return subscribe(std::move(topic), shared_handlers<S>(std::move(h)), i);
  }
  actor& subscribe(term topic, const shared_handlers<S>& h,
                   interest i = interest::participant) & {
    spec_.endpoints.push_back({std::move(topic), role::subscriber, i, h.erased()});
    return *this;
  }
  actor&& subscribe(term topic, handlers<S> h = {}, interest i = interest::participant) && {
    return std::move(subscribe(std::move(topic), std::move(h), i));
  }
  actor&& subscribe(term topic, const shared_handlers<S>& h,
                    interest i = interest::participant) && {
    return std::move(subscribe(std::move(topic), h, i));
  }

  /// A publisher endpoint: announces `topic`, sees subscribers come and go,
  /// receives feedback matching `topic`.
  actor& publish(term topic, handlers<S> h = {}, interest i = interest::participant) & {
    return publish(std::move(topic), shared_handlers<S>(std::move(h)), i);
  }
  actor& publish(term topic, const shared_handlers<S>& h,
                 interest i = interest::participant) & {
    spec_.endpoints.push_back({std::move(topic), role::publisher, i, h.erased()});
    return *this;
  }
  actor&& publish(term topic, handlers<S> h = {}, interest i = interest::participant) && {
    return std::move(publish(std::move(topic), std::move(h), i));
  }
  actor&& publish(term topic, const shared_handlers<S>& h,
                  interest i = interest::participant) && {
    return std::move(publish(std::move(topic), h, i));
  }

  /// Shorthand: subscribe to `topic` and handle its messages with f.
  template <class F>
  actor& on_message(term topic, F f) & {
    static_assert(event_handler<F, S, message>,
                  "on_message handler must be callable as f(agora::turn<S>&, "
                  "const agora::message&)");
    if constexpr (std::is_empty_v<F> && std::is_default_constructible_v<F>) {
      // A captureless lambda: every endpoint made from it behaves alike, so
      // they all share one handler set.
      static const shared_handlers<S> shared{handlers<S>{.on_message = F{}}};
      return subscribe(std::move(topic), shared);
    } else {
      return subscribe(std::move(topic), {.on_message = std::move(f)});
    }
  }
  template <class F>
  actor&& on_message(term topic, F f) && {
    return std::move(on_message(std::move(topic), std::move(f)));
  }

  /// A first turn, run before any event reaches the actor's endpoints.
  template <class F>
  actor& on_start(F f) & {
    static_assert(std::invocable<F&, turn<S>&>,
                  "on_start handler must be callable as f(agora::turn<S>&)");
    spec_.on_start = [f = std::move(f)](turn_base& b) mutable {
      turn<S> t(b);
      f(t);
    };
    return *this;
  }
  template <class F>
  actor&& on_start(F f) && {
    return std::move(on_start(std::move(f)));
  }

  operator actor_spec() const& { return spec_; }
  operator actor_spec() && { return std::move(spec_); }
  const actor_spec& spec() const noexcept { return spec_; }

 private:
  actor_spec spec_;
};

}  // namespace agora
