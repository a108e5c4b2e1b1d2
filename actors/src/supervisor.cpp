#include "agora/actors/supervisor.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <set>
#include <stdexcept>
#include <utility>

namespace agora::actors {

namespace {

using clock_type = std::chrono::steady_clock;

struct child {
  child_spec spec;
  actor_id id{};
  std::int64_t incarnation = 0;  // of the running (or last) instance
  bool running = false;          // false once it stopped or we stopped it
};

struct sup_state {
  std::string name{};
  supervisor_config cfg{};
  std::vector<child> children{};  // in start order
  term token{};                   // set in the first turn: unique in the VM
  std::int64_t incarnations = 0;
  std::deque<clock_type::time_point> restarts{};  // recent ones, oldest first
};

using sup_turn = turn<sup_state>;

reason shutdown() { return reason(sym("shutdown")); }

/// What the supervisor publishes and its children watch.
term own_topic(const sup_state& s) { return rec("agora.supervisor", s.token, s.name); }

/// Added to every child: when the supervisor goes away while the child still
/// runs, the child follows with the same reason. handlers<none> fits any
/// actor state: turn<none> never inspects it.
const shared_handlers<none>& follow_supervisor() {
  static const auto h = make_handlers<none>(
      {.on_absence = [](turn<none>& t, const absence& a) { t.quit(a.why); }});
  return h;
}

void start(sup_turn& t, child& c) {
  auto& s = t.state;
  actor_spec spec = c.spec.spec;  // a copy: make_state gives a fresh initial state
  c.incarnation = ++s.incarnations;
  spec.endpoints.push_back({rec("agora.supervised", s.token, c.spec.id, c.incarnation),
                            role::publisher, interest::participant, nullptr});
  spec.endpoints.push_back(
      {own_topic(s), role::subscriber, interest::participant, follow_supervisor().erased()});
  c.id = t.spawn(std::move(spec));
  c.running = true;
}

/// Stops the running children from index `first` on, last started first.
/// Their absences will then be ignored: they are no longer `running`.
void stop_from(sup_turn& t, std::size_t first) {
  auto& kids = t.state.children;
  for (std::size_t j = kids.size(); j-- > first;) {
    if (!kids[j].running) continue;
    t.stop(kids[j].id, shutdown());
    kids[j].running = false;
  }
}

/// Group restart: stop children [first, end) in reverse order, forget the
/// temporary ones among them, start the others in order.
void restart_from(sup_turn& t, std::size_t first) {
  stop_from(t, first);
  auto& kids = t.state.children;
  kids.erase(std::remove_if(kids.begin() + static_cast<std::ptrdiff_t>(first), kids.end(),
                            [](const child& c) { return c.spec.restart == restart_type::temporary; }),
             kids.end());
  for (std::size_t j = first; j < kids.size(); ++j) start(t, kids[j]);
}

/// Records a restart now; false if that makes too many within the period.
bool note_restart(sup_state& s) {
  const auto now = s.cfg.clock ? s.cfg.clock() : clock_type::now();
  while (!s.restarts.empty() && now - s.restarts.front() >= s.cfg.period) s.restarts.pop_front();
  s.restarts.push_back(now);
  return std::ssize(s.restarts) <= s.cfg.max_restarts;
}

void give_up(sup_turn& t, const std::string& id, const reason& why) {
  reason mine(rec("gave_up", id, why.as_term()));  // built before the stops: id is ours
  stop_from(t, 0);
  t.quit(std::move(mine));
}

/// Child i, running until now, went away with reason `why`.
void child_stopped(sup_turn& t, std::size_t i, const reason& why) {
  auto& s = t.state;
  s.children[i].running = false;
  switch (s.children[i].spec.restart) {
    case restart_type::temporary:
      s.children.erase(s.children.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    case restart_type::transient:
      if (why.is_normal()) return;
      break;
    case restart_type::permanent:
      break;
  }
  if (!note_restart(s)) return give_up(t, s.children[i].spec.id, why);
  switch (s.cfg.strategy) {
    case restart_strategy::one_for_one: start(t, s.children[i]); break;
    case restart_strategy::one_for_all: restart_from(t, 0); break;
    case restart_strategy::rest_for_one: restart_from(t, i); break;
  }
}

const shared_handlers<sup_state>& watch_children() {
  static const auto h = make_handlers<sup_state>(
      {.on_absence = [](sup_turn& t, const absence& a) {
        auto& kids = t.state.children;
        const std::int64_t inc = a["inc"].as_int();
        auto it = std::find_if(kids.begin(), kids.end(), [&](const child& c) {
          return c.running && c.incarnation == inc;
        });
        // Not found: an instance we stopped or replaced ourselves.
        if (it != kids.end())
          child_stopped(t, static_cast<std::size_t>(it - kids.begin()), a.why);
      }});
  return h;
}

}  // namespace


actor_spec supervisor(std::string name, supervisor_config cfg, std::vector<child_spec> children) {
  std::set<std::string> ids;
  for (auto& c : children)
    if (!ids.insert(c.id).second)
      throw std::invalid_argument("supervisor " + name + ": duplicate child id \"" + c.id + "\"");

  sup_state s{.name = name, .cfg = std::move(cfg)};
  for (auto& c : children) s.children.push_back({.spec = std::move(c)});
  return actor<sup_state>{std::move(s), std::move(name)}.on_start([](sup_turn& t) {
    auto& s = t.state;
    s.token = term(static_cast<std::int64_t>(t.self().value));
    // Endpoints first, so that each child sees the supervisor from its
    // first instant; then the children, in order.
    t.publish(own_topic(s));
    t.subscribe(rec("agora.supervised", s.token, cap("id"), cap("inc")), watch_children());
    for (auto& c : s.children) start(t, c);
  });
}

}  // namespace agora::actors
