// The submitter's actor (jobs.hpp): asserts the job and its script, and is
// the job's one acceptor — the first ok outcome of each part is recorded
// and handed on, later ones are not; failed outcomes are recorded and
// counted against max_attempts.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>

#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "jobs_protocol.hpp"

namespace agora::jobs {

namespace {

using namespace protocol;

struct ledger_part {
  bool accepted = false;
  std::int64_t failures = 0;
};

struct submission_state {
  std::shared_ptr<const job_spec> spec;
  std::uint64_t submitter = 0;
  std::shared_ptr<const submission_events> events;
  std::map<std::int64_t, ledger_part> parts;
  std::set<attempt_key> recorded;
  std::int64_t done = 0;
  std::map<attempt_key, int> running;
  bool ended = false;
};
using jturn = turn<submission_state>;

std::map<std::uint64_t, std::int64_t> running_per_node(const submission_state& s) {
  std::map<std::uint64_t, std::int64_t> out;
  for (const auto& [k, n] : s.running) ++out[k.node];
  return out;
}

void progress(jturn& t) {
  if (t.state.events->on_progress) t.state.events->on_progress(running_per_node(t.state), t.state.done);
}

/// The end: the actor quits with a reason every observer of job(...) sees.
void end(jturn& t, job_end how, const std::string& why) {
  if (t.state.ended) return;
  t.state.ended = true;
  static constexpr std::string_view names[] = {"done", "failed", "refused", "cancelled"};
  t.quit(reason(sym(names[static_cast<int>(how)])));
  if (t.state.events->on_end) t.state.events->on_end(how, why);
}

void on_outcome(jturn& t, const attempt_key& k, const term& outcome) {
  auto& s = t.state;
  if (s.ended || k.part >= s.spec->parts || s.recorded.contains(k)) return;
  ledger_part& p = s.parts[k.part];
  if (p.accepted) return;  // a late duplicate: the worker withdraws it on seeing the accepted record
  s.recorded.insert(k);
  if (outcome.is_record("ok")) {
    t.at_cluster().publish(record_term(k, sym("accepted")));
    p.accepted = true;
    ++s.done;
    const std::string_view result = outcome[0].is_bytes() ? outcome[0].as_bytes() : outcome[0].as_string();
    if (s.events->on_result) s.events->on_result({k.part, k.node, k.attempt, std::string(result)});
    progress(t);
    if (s.done == s.spec->parts) end(t, job_end::done, "");
    return;
  }
  const term& why = outcome[0];
  t.at_cluster().publish(record_term(k, rec("failed", why)));
  ++p.failures;
  if (p.failures >= s.spec->max_attempts) {
    std::string tail(outcome[1].as_string());
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    end(t, job_end::failed,
        fmt::format("part {} failed {} time(s); the last attempt ({} on node {}) ended with {}{}{}", k.part,
                    p.failures, k.attempt, k.node, why.to_string(), tail.empty() ? "" : "; its stderr ended with:\n",
                    tail));
  }
}

}  // namespace

actor_spec submission(job_spec spec, std::uint64_t submitter, submission_events events) {
  auto s = std::make_shared<const job_spec>(std::move(spec));
  auto e = std::make_shared<const submission_events>(std::move(events));
  actor<submission_state> a{{s, submitter, e, {}, {}, 0, {}, false}, fmt::format("jobs.submission.{}", s->id)};
  a.on_start([](jturn& t) {
    const auto& spec = *t.state.spec;
    auto c = t.at_cluster();
    // The script first: a worker that sees the job sees its script soon after.
    c.publish(script_term(spec));
    c.publish(job_term(spec, t.state.submitter));
    c.subscribe(outcome_topic(spec.id), {.on_presence = [](jturn& t, const presence& p) {
                                           if (auto o = read_outcome(p.flow())) on_outcome(t, o->first, o->second);
                                         }});
    c.subscribe(running_topic(spec.id), {.on_presence = [](jturn& t, const presence& p) {
                                           if (auto k = read_running(p.flow())) {
                                             ++t.state.running[*k];
                                             progress(t);
                                           }
                                         },
                                         .on_absence = [](jturn& t, const absence& a) {
                                           auto k = read_running(a.flow());
                                           if (!k) return;
                                           if (auto it = t.state.running.find(*k); it != t.state.running.end() && --it->second == 0)
                                             t.state.running.erase(it);
                                           progress(t);
                                         }},
                interest::observer);
    c.subscribe(progress_topic(spec.id), {.on_message = [](jturn& t, const message&) { progress(t); }});
    c.subscribe(refused_topic(spec.id), {.on_presence = [](jturn& t, const presence& p) {
                                           const term& why = p.flow()[1];
                                           end(t, job_end::refused, why.is_string() ? std::string(why.as_string()) : why.to_string());
                                         }});
    c.subscribe(cancel_topic(spec.id), {.on_message = [](jturn& t, const message&) {
                                          end(t, job_end::cancelled, "cancelled by agora-node cancel");
                                        }});
    election::on_leader(t, [](jturn& t, std::optional<election::leader_info> l) {
      if (t.state.events->on_leader) t.state.events->on_leader(l ? std::optional(l->id) : std::nullopt);
    });
  });
  return a;
}

}  // namespace agora::jobs
