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
  std::int64_t holds = 0;  // timer ids
  std::map<std::string, int> cancel_requests;         // job → job_cancel_request assertions seen
  std::map<std::string, endpoint_id> cancelling;      // job → our job_cancelling(JID, NODE)
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
    // A worker that cannot see the job (linked to this node but not to the
    // submitter) never takes it: the part moves on, that node avoided.
    timer::once(t, rec("jobs.assign", k.job, k.part, k.attempt, i64(k.node)), s.cfg->assign_timeout,
                [k](sturn& t, std::int64_t) {
                  if (!t.state.assigns.contains(k)) return;
                  note(t, log_level::info, fmt::format("job {} part {}: node {} did not take it within {} ms; "
                                                       "assigning it elsewhere",
                                                       k.job, k.part, k.node, t.state.cfg->assign_timeout.count()));
                  withdraw_assign(t, k);
                  t.state.book.avoid(k);
                  act(t);
                });
    note(t, log_level::debug, fmt::format("job {} part {} attempt {} assigned to node {} (epoch {})", k.job, k.part,
                                          k.attempt, k.node, s.epoch));
  }
  report(t);
}

/// A cancel request stands for a job this node knows live: answer it and
/// pass it on to the submitter, whom the requester (a client) cannot reach.
void relay_cancel(sturn& t, const std::string& id) {
  auto& s = t.state;
  if (!s.cancel_requests.contains(id) || !s.book.has_job(id) || s.cancelling.contains(id)) return;
  note(t, log_level::info, fmt::format("job {}: cancel requested, passing it on", id));
  s.cancelling[id] = t.at_cluster().publish(rec("job_cancelling", id, i64(s.cfg->node)));
  t.at_cluster().send(cancel_message(id));
}

void stop_cancelling(sturn& t, const std::string& id, reason why) {
  if (auto it = t.state.cancelling.find(id); it != t.state.cancelling.end()) {
    t.remove(it->second, std::move(why));
    t.state.cancelling.erase(it);
  }
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
  // The submitter left in order without ending the job: SIGINT or SIGTERM
  // on agora-node submit, which cancels it (docs/JOBS.md).
  if (r.is_symbol() && r.as_symbol() == "shutdown") return "cancelled";
  if (r.is_symbol()) return std::string(r.as_symbol());
  if (r.is_record("node_lost")) return "lost";
  if (r.is_record()) return std::string(r.label());
  return "ended";
}

}  // namespace

actor_spec scheduler(scheduler_config cfg) {
  auto shared = std::make_shared<const scheduler_config>(std::move(cfg));
  actor<scheduler_state> a{{shared, {}, false, false, 0, {}, {}, 0, {}, {}}, fmt::format("jobs.scheduler.{}", shared->node)};
  a.on_start([](sturn& t) {
    t.state.book.set_history(t.state.cfg->history);
    auto c = t.at_cluster();
    c.subscribe(job_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                auto j = read_job(p.flow());
                                if (!j) return;
                                t.state.book.job_up(*j);
                                relay_cancel(t, j->id);
                                // Its records follow the job from its submitter (a
                                // job seen again after a partition has a history):
                                // plan it once they had time to arrive.
                                t.state.book.hold(j->id);
                                timer::once(t, rec("jobs.hold", j->id, static_cast<std::int64_t>(++t.state.holds)),
                                            t.state.cfg->settle, [id = j->id](sturn& t, std::int64_t) {
                                              t.state.book.release(id);
                                              act(t);
                                            });
                                report(t);
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
                                stop_cancelling(t, j->id, a.why);
                                act(t);
                              }},
                interest::observer);
    c.subscribe(rec("job_cancel_request", _),
                {.on_presence = [](sturn& t, const presence& p) {
                   if (!p.flow()[0].is_string()) return;
                   const std::string id(p.flow()[0].as_string());
                   ++t.state.cancel_requests[id];
                   relay_cancel(t, id);
                 },
                 .on_absence = [](sturn& t, const absence& a) {
                   if (!a.flow()[0].is_string()) return;
                   const std::string id(a.flow()[0].as_string());
                   auto it = t.state.cancel_requests.find(id);
                   if (it == t.state.cancel_requests.end() || --it->second > 0) return;
                   t.state.cancel_requests.erase(it);
                   stop_cancelling(t, id, reason::deleted());
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
                                      t.state.book.running_down(*k, a.why.is("recorded"));
                                      act(t);
                                    }
                                  }},
                interest::observer);
    c.subscribe(record_topic(), {.on_presence = [](sturn& t, const presence& p) {
                                   auto r = read_record(p.flow());
                                   if (!r) return;
                                   const bool accepted = r->second.is_symbol();
                                   // That attempt is over (an assignment made before its
                                   // record arrived would never be taken); and once the
                                   // part is accepted, any assignment of it would hold its
                                   // node's slot for nothing (no worker runs it).
                                   if (t.state.assigns.contains(r->first)) withdraw_assign(t, r->first);
                                   t.state.book.record_up(r->first, accepted);
                                   if (accepted)
                                     for (const auto& k : t.state.book.assignments_of(r->first.job, r->first.part))
                                       withdraw_assign(t, k);
                                   act(t);
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
