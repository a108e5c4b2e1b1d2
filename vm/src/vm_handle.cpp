// vm_handle operations built on post(): no CAF here.
#include <condition_variable>
#include <deque>
#include <mutex>

#include "agora/runtime.hpp"

namespace agora {

void vm_handle::send(term m) const {
  post([m = std::move(m)](vm& v) { v.send(m); });
}

void vm_handle::feedback(term m) const {
  post([m = std::move(m)](vm& v) { v.feedback(m); });
}

void vm_handle::spawn(actor_spec spec) const {
  post([spec = std::move(spec)](vm& v) mutable { v.spawn(std::move(spec)); });
}

void vm_handle::stop(actor_id who, reason why) const {
  post([who, why = std::move(why)](vm& v) { v.stop(who, why); });
}

void vm_handle::shutdown() const {
  post([](vm& v) { v.stop_all(reason::shutdown()); });
}

// ---- tap ----------------------------------------------------------------------

struct tap::shared_state {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<tap_event> events;
  actor_id id;  // set in the VM thread before any event is pushed
  std::function<void(tap_event)> forward;  // push form

  void push(tap_event e) {
    if (forward) {
      forward(std::move(e));
      return;
    }
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(e));
    }
    ready.notify_one();
  }
};

tap::tap(const vm_handle& target, term topic, role r, interest i)
    : tap(target, std::move(topic), nullptr, r, i) {}

tap::tap(const vm_handle& target, term topic, std::function<void(tap_event)> on_event, role r,
         interest i)
    : target_(target), state_(std::make_shared<shared_state>()) {
  state_->forward = std::move(on_event);
  struct box {
    std::shared_ptr<shared_state> s;
  };
  handlers<box> h{
      .on_presence = [](turn<box>& t, const presence& p) {
        t.state.s->push({tap_event::kind::presence, p.flow(), {}});
      },
      .on_absence = [](turn<box>& t, const absence& a) {
        t.state.s->push({tap_event::kind::absence, a.flow(), a.why});
      },
      .on_message = [](turn<box>& t, const message& m) {
        t.state.s->push({m.is_feedback ? tap_event::kind::feedback : tap_event::kind::message,
                         m.body(), {}});
      },
  };
  actor<box> a{{state_}, "tap"};
  if (r == role::subscriber) a.subscribe(std::move(topic), std::move(h), i);
  else a.publish(std::move(topic), std::move(h), i);
  target_.post([s = state_, spec = actor_spec(std::move(a))](vm& v) mutable {
    s->id = v.spawn(std::move(spec));
  });
}

tap::~tap() {
  if (!state_) return;
  // Runs after the spawn above (posts are in order), so the id is known.
  target_.post([s = state_](vm& v) { v.stop(s->id, reason::deleted()); });
}

std::optional<tap_event> tap::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  if (!state_->ready.wait_for(lock, timeout, [&] { return !state_->events.empty(); }))
    return std::nullopt;
  auto e = std::move(state_->events.front());
  state_->events.pop_front();
  return e;
}

std::vector<tap_event> tap::drain() {
  std::lock_guard lock(state_->mutex);
  std::vector<tap_event> out(std::make_move_iterator(state_->events.begin()),
                             std::make_move_iterator(state_->events.end()));
  state_->events.clear();
  return out;
}

}  // namespace agora
