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
class turn_sink {
 public:
  virtual endpoint_id add_endpoint(actor_id owner, endpoint_spec spec) = 0;
  virtual void remove_endpoint(actor_id owner, endpoint_id ep, reason why) = 0;
  virtual void send(term m, bool feedback) = 0;
  virtual actor_id spawn(actor_spec spec) = 0;
  virtual void stop(actor_id who, reason why) = 0;

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

/// What an actor is at spawn: its initial state and its initial endpoints,
/// which exist from the first instant, plus an optional first turn.
struct actor_spec {
  std::string name;
  std::function<std::unique_ptr<detail::state_base>()> make_state;  // null: stateless
  std::vector<endpoint_spec> endpoints;
  std::function<void(turn_base&)> on_start;
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
  endpoint_id add(endpoint_spec spec) { return sink_->add_endpoint(self_, std::move(spec)); }
  /// Deletes one of this actor's endpoints; counterparts see absence(deleted).
  void remove(endpoint_id ep) { remove(ep, reason::deleted()); }
  void remove(endpoint_id ep, reason why) { sink_->remove_endpoint(self_, ep, std::move(why)); }

  /// Delivers m to every subscriber endpoint whose topic matches it
  /// (this actor's own included). m must be concrete.
  void send(term m) { sink_->send(std::move(m), false); }
  /// Delivers m to every matching publisher endpoint (credit, acks).
  void feedback(term m) { sink_->send(std::move(m), true); }

  /// Spawns an actor with its initial state and endpoints; returns its id.
  actor_id spawn(actor_spec spec) { return sink_->spawn(std::move(spec)); }

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

/// A turn of an actor whose state is S: the actions of turn_base plus typed
/// access to the state and to endpoints with typed handlers.
template <class S>
class turn : public turn_base {
 public:
  explicit turn(turn_base& base) : turn_base(base), state(base.state_as<S>()) {}

  S& state;

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
