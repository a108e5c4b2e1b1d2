// The scheduler (jobs.hpp): every member observes the jobs and keeps a
// job_book; the one whose node leads assigns waiting parts, after a short
// settle so that what the previous leader's workers assert reaches it first.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "agora/drivers/timer.hpp"
#include "job_book.hpp"
#include "jobs_protocol.hpp"

namespace agora::jobs {

namespace {

using namespace protocol;

struct scheduler_state {
  std::shared_ptr<const scheduler_config> cfg;
  job_book book;
  bool leading = false, settled = false;
  std::uint64_t epoch = 0;
  std::map<attempt_key, endpoint_id> assigns;
  std::map<std::string, endpoint_id> refusals;
};
using sturn = turn<scheduler_state>;

void note(sturn& t, log_level level, std::string_view line) {
  if (t.state.cfg->log) t.state.cfg->log(level, line);
}

void report(sturn& t) {
  if (t.state.cfg->on_view) t.state.cfg->on_view(t.state.book.summaries());
}

void withdraw_assign(sturn& t, const attempt_key& k) {
  if (auto it = t.state.assigns.find(k); it != t.state.assigns.end()) {
    t.remove(it->second);
    t.state.assigns.erase(it);
  }
  t.state.book.unassigned(k);
}

/// Assigns what waits and refuses what nobody can run, while leading.
void act(sturn& t) {
  auto& s = t.state;
  if (!s.leading || !s.settled) return report(t);
  for (const auto& [id, why] : s.book.unrunnable()) {
    if (s.refusals.contains(id)) continue;
    note(t, log_level::warn, fmt::format("job {} refused: {}", id, why));
    s.refusals[id] = t.at_cluster().publish(rec("job_refused", id, why));
    s.book.refused_up(id);
  }
  for (const auto& k : s.book.plan()) {
    s.assigns[k] = t.at_cluster().publish(assign_term(k, s.epoch));
    s.book.assigned(k);
    note(t, log_level::debug, fmt::format("job {} part {} attempt {} assigned to node {} (epoch {})", k.job, k.part,
                                          k.attempt, k.node, s.epoch));
  }
  report(t);
}

void stop_leading(sturn& t) {
  auto& s = t.state;
  for (const auto& [k, ep] : s.assigns) {
    t.remove(ep);
    s.book.unassigned(k);
  }
  s.assigns.clear();
  for (const auto& [id, ep] : s.refusals) {
    t.remove(ep);
    s.book.refused_down(id);
  }
  s.refusals.clear();
  s.leading = s.settled = false;
}

std::string end_of(const reason& why) {
  const term& r = why.as_term();
  if (r.is_symbol()) return std::string(r.as_symbol());
  if (r.is_record("node_lost")) return "lost";
  if (r.is_record()) return std::string(r.label());
  return "ended";
}

}  // namespace

actor_spec scheduler(scheduler_config cfg) {
  auto shared = std::make_shared<const scheduler_config>(std::move(cfg));
  actor<scheduler_state> a{{shared, {}, false, false, 0, {}, {}}, fmt::format("jobs.scheduler.{}", shared->node)};
  a.on_start([](sturn& t) {
    t.state.book.set_history(t.state.cfg->history);
    auto c = t.at_cluster();
    c.subscribe(job_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                if (auto j = read_job(p.flow())) {
                                  t.state.book.job_up(*j);
                                  act(t);
                                }
                              },
                              .on_absence = [](sturn& t, const absence& a) {
                                auto j = read_job(a.flow());
                                if (!j) return;
                                for (const auto& k : t.state.book.assignments_of(j->id)) withdraw_assign(t, k);
                                if (auto r = t.state.refusals.find(j->id); r != t.state.refusals.end()) {
                                  t.remove(r->second);
                                  t.state.refusals.erase(r);
                                }
                                t.state.book.job_down(j->id, end_of(a.why));
                                act(t);
                              }},
                interest::observer);
    c.subscribe(worker_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                   if (auto w = read_worker(p.flow())) {
                                     t.state.book.worker_up(*w);
                                     act(t);
                                   }
                                 },
                                 .on_absence = [](sturn& t, const absence& a) {
                                   auto w = read_worker(a.flow());
                                   if (!w) return;
                                   for (const auto& k : t.state.book.assignments_to(w->node)) withdraw_assign(t, k);
                                   t.state.book.worker_down(w->node);
                                   act(t);
                                 }},
                interest::observer);
    c.subscribe(running_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                    auto k = read_running(p.flow());
                                    if (!k) return;
                                    t.state.book.running_up(*k);
                                    // The worker has it: the assignment has done its job.
                                    if (t.state.assigns.contains(*k)) withdraw_assign(t, *k);
                                    act(t);
                                  },
                                  .on_absence = [](sturn& t, const absence& a) {
                                    if (auto k = read_running(a.flow())) {
                                      t.state.book.running_down(*k, a.why.is("deleted"));
                                      act(t);
                                    }
                                  }},
                interest::observer);
    c.subscribe(record_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                   if (auto r = read_record(p.flow())) {
                                     const bool accepted = r->second.is_symbol();
                                     t.state.book.record_up(r->first, accepted);
                                     // An assignment of a part accepted meanwhile would hold
                                     // its node's slot for nothing (its worker never runs it).
                                     if (accepted)
                                       for (const auto& k : t.state.book.assignments_of(r->first.job, r->first.part))
                                         withdraw_assign(t, k);
                                     act(t);
                                   }
                                 }},
                interest::observer);
    c.subscribe(refused_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                    if (p.flow()[0].is_string()) t.state.book.refused_up(std::string(p.flow()[0].as_string()));
                                    report(t);
                                  },
                                  .on_absence = [](sturn& t, const absence& a) {
                                    if (a.flow()[0].is_string() && !t.state.refusals.contains(std::string(a.flow()[0].as_string())))
                                      t.state.book.refused_down(std::string(a.flow()[0].as_string()));
                                    report(t);
                                  }},
                interest::observer);
    election::on_leader(t, [](sturn& t, std::optional<election::leader_info> l) {
      auto& s = t.state;
      const bool mine = l && l->id == s.cfg->node;
      if (mine && s.leading && l->epoch == s.epoch) return;
      if (s.leading) stop_leading(t);
      if (!mine) return report(t);
      s.leading = true;
      s.epoch = l->epoch;
      note(t, log_level::info, fmt::format("jobs: leading in epoch {}", s.epoch));
      timer::once(t, rec("jobs.settle", static_cast<std::int64_t>(s.epoch)), s.cfg->settle,
                  [epoch = s.epoch](sturn& t, std::int64_t) {
                    if (!t.state.leading || t.state.epoch != epoch) return;
                    t.state.settled = true;
                    act(t);
                  });
    });
  });
  return a;
}

}  // namespace agora::jobs
