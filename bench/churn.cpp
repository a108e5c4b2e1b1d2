// churn: endpoint add + remove per second while 10,000 endpoints stand and
// presence events flow (target ≥ 1,000,000 add+remove pairs per second).
//
// One VM holds:
//  - 10,000 standing endpoints, one actor each: publishers and subscribers
//    of standing(i), pairwise visible (their presence is set up, untimed);
//  - a watcher subscribing churn(_) with presence and absence handlers that
//    count;
//  - a churner that, on each `tick` message, alternately adds K = 100
//    publisher endpoints churn(0..K-1) (keeping their ids in its state) and
//    removes them, then sends itself the next tick.
// Every add gives the watcher a presence event and every remove an absence
// event; all are delivered (each runs a handler turn) inside the timed run.
// The topics churn(k) are built once, before timing: this measures endpoint
// churn, not term construction.
#include <agora/vm.hpp>

#include <stdexcept>

#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

struct churn_control {
  std::uint64_t turns_left = 0;
  std::vector<term> topics;
};

struct churner {
  churn_control* control;
  std::vector<endpoint_id> ids;
  bool adding = true;
};

struct watcher {
  std::uint64_t* presences;
  std::uint64_t* absences;
};

}  // namespace

void bench_churn(const options& opt) {
  const std::size_t standing = 10'000;
  const std::size_t k_per_turn = 100;
  const std::size_t cycles = opt.quick ? 200 : 2'000;  // one cycle: K adds, then K removes

  vm v("churn");
  // Standing endpoints: even k publish standing(k/2), odd k subscribe to it
  // and count presence (so the standing population has live flows).
  std::uint64_t standing_presences = 0;
  handlers<watcher> standing_sub{.on_presence = [](turn<watcher>& t, const presence&) {
    ++*t.state.presences;
  }};
  for (std::size_t k = 0; k < standing; ++k) {
    auto i = static_cast<std::int64_t>(k / 2);
    if (k % 2 == 0) v.spawn(actor<>{}.publish(rec("standing", i)));
    else v.spawn(actor<watcher>{{&standing_presences, nullptr}}.subscribe(rec("standing", i),
                                                                            standing_sub));
  }
  v.run();
  if (standing_presences != standing / 2)
    throw std::runtime_error("churn: standing endpoints did not see each other");

  std::uint64_t presences = 0, absences = 0;
  v.spawn(actor<watcher>{{&presences, &absences}, "watcher"}.subscribe(
      rec("churn", _), {.on_presence = [](turn<watcher>& t, const presence&) { ++*t.state.presences; },
                        .on_absence = [](turn<watcher>& t, const absence&) { ++*t.state.absences; }}));

  churn_control control;
  for (std::size_t k = 0; k < k_per_turn; ++k)
    control.topics.push_back(rec("churn", static_cast<std::int64_t>(k)));
  const term tick = sym("tick");
  v.spawn(actor<churner>{{&control, {}, true}, "churner"}.on_message(
      tick, [](turn<churner>& t, const message&) {
        auto& s = t.state;
        if (s.adding) {
          for (const term& topic : s.control->topics) s.ids.push_back(t.publish(topic));
        } else {
          for (endpoint_id id : s.ids) t.remove(id);
          s.ids.clear();
        }
        s.adding = !s.adding;
        if (--s.control->turns_left > 0) t.send(sym("tick"));
      }));
  v.run();
  if (v.endpoint_count() != standing + 2) throw std::runtime_error("churn: unexpected endpoints");

  double best = best_of(opt.reps, [&] {
    presences = absences = 0;
    control.turns_left = 2 * cycles;
    auto start = bench_clock::now();
    v.send(tick);
    v.run();
    double secs = seconds_since(start);
    const std::uint64_t want = cycles * k_per_turn;
    if (presences != want || absences != want || v.endpoint_count() != standing + 2)
      throw std::runtime_error(fmt::format("churn: {} presences, {} absences, want {} each",
                                           presences, absences, want));
    return secs;
  });
  const double pairs = static_cast<double>(cycles * k_per_turn);
  emit("churn", "add_remove_per_s", pairs / best, "add+remove/s");
  emit("churn", "events_per_s", 2 * pairs / best, "event/s");
}

}  // namespace agora_bench
