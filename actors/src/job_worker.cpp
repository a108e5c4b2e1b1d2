// The worker (jobs.hpp): runs the parts assigned to its node as processes
// of the process driver (docs/PROCESS.md), asserts part_running while one
// runs and its outcome until the submitter records it, and stops a job's
// processes when the job goes or is cancelled.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <set>

#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "agora/drivers/process.hpp"
#include "jobs_protocol.hpp"
#include "part_scratch.hpp"

namespace agora::jobs {

namespace {

using namespace protocol;

constexpr std::int64_t credit_window = 4;
constexpr std::size_t stderr_tail_bytes = 2048;
constexpr std::size_t stderr_line_max = 4096;

struct part_run {
  term process_id;
  endpoint_id process_sub, output_sub, running, outcome;
  bool finished = false;
  std::string out;       // stdout so far: the result
  std::string tail;      // the last stderr bytes
  std::string line;      // a stderr line being read
  double progress = -1;  // last progress reported
  std::string scratch;
};

struct worker_job {
  job_spec spec;
  std::optional<job_info> info;
  bool has_script = false;
  endpoint_id job_sub, script_sub, record_sub, cancel_sub;
  std::set<attempt_key> pending;         // assigned before the job was known
  std::map<attempt_key, part_run> runs;  // running, or finished and not yet recorded
};

struct worker_state {
  std::shared_ptr<const worker_config> cfg;
  election::epoch_fence fence;
  std::map<std::string, worker_job> jobs;
  std::set<attempt_key> done;  // recorded: never run again
  std::set<std::pair<std::string, std::int64_t>> accepted;  // (job, part) accepted: no attempt of it runs again
};
using wturn = turn<worker_state>;

void note(wturn& t, log_level level, std::string_view line) {
  if (t.state.cfg->log) t.state.cfg->log(level, line);
}

process::command command_of(const worker_config& cfg, const job_spec& spec, const job_info& info,
                            const attempt_key& k, const std::string& dir) {
  process::command c;
  c.argv = {cfg.interpreters.at(info.interpreter), dir.empty() ? "script" : dir + "/script"};
  c.argv.insert(c.argv.end(), spec.args.begin(), spec.args.end());
  c.env = cfg.environment;
  if (!cfg.scratch_root.empty()) c.env.push_back(worker_mark(cfg.node, cfg.scratch_root));
  if (!dir.empty()) {
    c.env.push_back("HOME=" + dir);
    c.env.push_back("TMPDIR=" + dir);
  }
  c.env.push_back("AGORA_JOB=" + k.job);
  c.env.push_back(fmt::format("AGORA_PART={}", k.part));
  c.env.push_back(fmt::format("AGORA_PARTS={}", info.parts));
  c.dir = dir;
  c.timeout = std::chrono::milliseconds(info.timeout_ms);
  c.grace = cfg.grace;
  return c;
}

/// Stops a run's process (if it still runs) and withdraws what it asserts,
/// part_running with reason `recorded` (the submitter recorded this
/// attempt, or accepted the part from another: a record the leader will see
/// too) or `job_ended` (the job went, as far as this node can see).
void drop_run(wturn& t, part_run& r, bool recorded) {
  if (!r.finished) {
    t.remove(r.process_sub);
    t.remove(r.output_sub);
  }
  t.remove(r.running, reason(sym(recorded ? "recorded" : "job_ended")));
  if (r.finished) t.remove(r.outcome);
  if (!r.scratch.empty()) remove_scratch(r.scratch);
}

void finish(wturn& t, const attempt_key& k, part_run& r, term outcome) {
  if (r.finished) return;
  r.finished = true;
  t.remove(r.process_sub);
  t.remove(r.output_sub);
  if (!r.scratch.empty()) {
    remove_scratch(r.scratch);
    r.scratch.clear();
  }
  r.outcome = t.at_cluster().publish(outcome_term(k, std::move(outcome)));
  note(t, log_level::debug, fmt::format("job {} part {} attempt {} ended", k.job, k.part, k.attempt));
}

/// The process went (its absence reason): the outcome.
term outcome_of(const reason& why, part_run& r) {
  const term& w = why.as_term();
  if (process::exit_code(why) == 0) return rec("ok", term::bytes(r.out));
  return rec("failed", w, r.tail);
}

void on_stderr(wturn& t, const attempt_key& k, part_run& r, std::string_view bytes) {
  const double before = r.progress;
  auto line_done = [&](std::string_view line) {
    if (line.starts_with("progress:")) {
      line.remove_prefix(9);
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
      double x = 0;
      auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), x);
      if (ec == std::errc() && x >= 0 && x <= 1) {
        r.progress = x;
        return;
      }
    }
    r.tail.append(line).append("\n");
    if (r.tail.size() > stderr_tail_bytes) r.tail.erase(0, r.tail.size() - stderr_tail_bytes);
    note(t, log_level::info, fmt::format("job {} part {}: {}", k.job, k.part, line));
  };
  for (const char c : bytes) {
    if (c == '\n' || r.line.size() >= stderr_line_max) {
      line_done(r.line);
      r.line.clear();
      if (c == '\n') continue;
    }
    r.line += c;
  }
  // One progress report per chunk read, at most: bounded by the driver's credit.
  if (r.progress != before) t.at_cluster().send(progress_term(k, r.progress));
}

worker_job* job_of(wturn& t, const std::string& id) {
  auto it = t.state.jobs.find(id);
  return it == t.state.jobs.end() ? nullptr : &it->second;
}

void start(wturn& t, worker_job& j, const attempt_key& k) {
  if (j.runs.contains(k) || t.state.done.contains(k) || t.state.accepted.contains({k.job, k.part})) return;
  const auto& cfg = *t.state.cfg;
  const job_info& info = *j.info;
  if (k.part >= info.parts) {
    note(t, log_level::warn, fmt::format("job {}: assignment of part {} ignored: the job has {} parts", k.job, k.part,
                                         info.parts));
    return;
  }
  part_run r;
  r.process_id = rec("job_part", k.job, k.part, k.attempt);
  r.running = t.at_cluster().publish(running_term(k));
  if (!cfg.interpreters.contains(info.interpreter)) {
    auto& run = j.runs[k] = std::move(r);
    run.finished = true;
    run.outcome = t.at_cluster().publish(
        outcome_term(k, rec("failed", rec("refused", fmt::format("interpreter {} is not allowed on node {}",
                                                                 info.interpreter, cfg.node)), "")));
    return;
  }
  std::string dir;
  if (!cfg.scratch_root.empty()) {
    std::string error;
    auto made = make_scratch(cfg.scratch_root, fmt::format("{}-{}-{}", path_safe(k.job), k.part, k.attempt),
                             j.spec.script, error);
    if (!made) {
      note(t, log_level::error, fmt::format("job {} part {}: {}", k.job, k.part, error));
      auto& run = j.runs[k] = std::move(r);
      run.finished = true;
      run.outcome = t.at_cluster().publish(outcome_term(k, rec("failed", rec("failed", error), "")));
      return;
    }
    dir = *made;
  }
  r.scratch = dir;
  const term id = r.process_id;
  auto ground = t.at_ground();
  r.output_sub = ground.subscribe(
      process::output_topic(id),
      {.on_presence =
           [id](wturn& t, const presence&) {
             process::grant(t, id, process::stream::out, credit_window);
             process::grant(t, id, process::stream::err, credit_window);
           },
       .on_message = [k](wturn& t, const message& m) {
         const term& b = m.body();
         const auto stream = b.is_record("process.output", 3) ? process::read_stream(b[1]) : std::nullopt;
         if (!stream || (!b[2].is_bytes() && !b[2].is_string())) return;  // eof, or credit
         worker_job* j = job_of(t, k.job);
         if (!j) return;
         auto it = j->runs.find(k);
         if (it == j->runs.end() || it->second.finished) return;
         part_run& r = it->second;
         const std::string_view bytes = b[2].is_bytes() ? b[2].as_bytes() : b[2].as_string();
         if (*stream == process::stream::out) {
           if (static_cast<std::int64_t>(r.out.size() + bytes.size()) > j->spec.max_output) {
             finish(t, k, r, rec("failed", rec("output_limit", j->spec.max_output), r.tail));
             return;
           }
           r.out.append(bytes);
         } else {
           on_stderr(t, k, r, bytes);
         }
         process::grant(t, b[0], *stream, 1);
       }});
  r.process_sub = ground.subscribe(process::topic(id, command_of(cfg, j.spec, info, k, dir)),
                                   {.on_absence = [k](wturn& t, const absence& a) {
                                     worker_job* j = job_of(t, k.job);
                                     if (!j) return;
                                     auto it = j->runs.find(k);
                                     if (it == j->runs.end() || it->second.finished) return;
                                     finish(t, k, it->second, outcome_of(a.why, it->second));
                                   }});
  j.runs[k] = std::move(r);
  note(t, log_level::debug, fmt::format("job {} part {} attempt {} started", k.job, k.part, k.attempt));
}

void start_pending(wturn& t, worker_job& j) {
  if (!j.info || !j.has_script) return;
  for (const auto& k : std::exchange(j.pending, {})) start(t, j, k);
}

/// The job is gone or cancelled: its processes stop, its assertions go.
void end_job(wturn& t, const std::string& id, std::string_view why) {
  worker_job* j = job_of(t, id);
  if (!j) return;
  if (!j->runs.empty())
    note(t, log_level::info, fmt::format("job {}: {}, stopping {} part(s) here", id, why, j->runs.size()));
  for (auto& [k, r] : j->runs) drop_run(t, r, false);
  t.remove(j->job_sub);
  t.remove(j->script_sub);
  t.remove(j->record_sub);
  t.remove(j->cancel_sub);
  for (auto d = t.state.done.begin(); d != t.state.done.end();) d = d->job == id ? t.state.done.erase(d) : std::next(d);
  for (auto a = t.state.accepted.begin(); a != t.state.accepted.end();)
    a = a->first == id ? t.state.accepted.erase(a) : std::next(a);
  t.state.jobs.erase(id);
}

/// First assignment of a job: follow it (its info and script, its records, a cancel).
worker_job& follow(wturn& t, const std::string& id) {
  auto [it, fresh] = t.state.jobs.try_emplace(id);
  worker_job& j = it->second;
  if (!fresh) return j;
  j.spec.id = id;
  auto c = t.at_cluster();
  j.job_sub = c.subscribe(job_topic(id), {.on_presence = [](wturn& t, const presence& p) {
                                            auto info = read_job(p.flow());
                                            if (!info) return;
                                            worker_job* j = job_of(t, info->id);
                                            if (!j) return;
                                            j->info = *info;
                                            start_pending(t, *j);
                                          },
                                          .on_absence = [](wturn& t, const absence& a) {
                                            if (auto info = read_job(a.flow()))
                                              end_job(t, info->id, fmt::format("ended ({})", a.why.to_string()));
                                          }});
  j.script_sub = c.subscribe(script_topic(id), {.on_presence = [id](wturn& t, const presence& p) {
                                                  worker_job* j = job_of(t, id);
                                                  if (!j || !read_script(p.flow(), j->spec)) return;
                                                  j->has_script = true;
                                                  start_pending(t, *j);
                                                }});
  j.record_sub = c.subscribe(record_topic(id), {.on_presence = [id](wturn& t, const presence& p) {
                                                  auto rec_ = read_record(p.flow());
                                                  worker_job* j = job_of(t, id);
                                                  if (!rec_ || !j) return;
                                                  const auto& [k, verdict] = *rec_;
                                                  const bool accepted = verdict.is_symbol();
                                                  for (auto it = j->runs.begin(); it != j->runs.end();) {
                                                    // Ours was recorded; or the part was accepted from
                                                    // another attempt, so ours is moot.
                                                    if (it->first == k || (accepted && it->first.part == k.part)) {
                                                      drop_run(t, it->second, true);
                                                      t.state.done.insert(it->first);
                                                      it = j->runs.erase(it);
                                                    } else {
                                                      ++it;
                                                    }
                                                  }
                                                  t.state.done.insert(k);
                                                  // A later assignment of an accepted part (the leader
                                                  // saw our withdrawal before the record) never runs:
                                                  // the submitter would ignore its outcome, and its
                                                  // part_running would hold the slot to the job's end.
                                                  if (accepted) t.state.accepted.insert({k.job, k.part});
                                                }});
  j.cancel_sub = c.subscribe(cancel_topic(id), {.on_message = [id](wturn& t, const message&) {
                                                  end_job(t, id, "cancelled");
                                                }});
  return j;
}

}  // namespace

actor_spec worker(worker_config cfg) {
  auto shared = std::make_shared<const worker_config>(std::move(cfg));
  actor<worker_state> a{{shared, {}, {}, {}, {}}, fmt::format("jobs.worker.{}", shared->node)};
  a.on_start([](wturn& t) {
    const auto& cfg = *t.state.cfg;
    if (!cfg.scratch_root.empty()) {
      // Parts an earlier incarnation of this node left running (it was
      // killed with -9: nobody stopped them) are stopped now.
      if (const auto n = clear_leftovers(worker_mark(cfg.node, cfg.scratch_root), cfg.scratch_root))
        note(t, log_level::info, fmt::format("jobs: stopped {} process(es) an earlier run of node {} left", n, cfg.node));
    }
    std::vector<std::string> names;
    for (const auto& [name, path] : cfg.interpreters) names.push_back(name);
    auto c = t.at_cluster();
    c.publish(worker_term(cfg.node, cfg.slots, names));
    c.subscribe(assign_topic(i64(cfg.node)), {.on_presence = [](wturn& t, const presence& p) {
                                                auto a = read_assign(p.flow());
                                                if (!a) return;
                                                const auto& [k, epoch] = *a;
                                                if (auto stale = t.state.fence.admit(epoch)) {
                                                  note(t, log_level::warn,
                                                       fmt::format("job {} part {}: assignment refused: {}", k.job,
                                                                   k.part, stale->to_string()));
                                                  return;
                                                }
                                                if (t.state.done.contains(k) || t.state.accepted.contains({k.job, k.part})) return;
                                                worker_job& j = follow(t, k.job);
                                                if (j.info && j.has_script) start(t, j, k);
                                                else j.pending.insert(k);
                                              },
                                              .on_absence = [](wturn& t, const absence& a) {
                                                // Withdrawn before the job reached this node (it ended,
                                                // the leader changed): forget it. A part that runs
                                                // keeps running.
                                                auto as = read_assign(a.flow());
                                                if (!as) return;
                                                worker_job* j = job_of(t, as->first.job);
                                                if (!j) return;
                                                j->pending.erase(as->first);
                                                if (j->pending.empty() && j->runs.empty() && !j->info)
                                                  end_job(t, as->first.job, "no longer assigned");
                                              }});
    election::on_leader(t, [](wturn& t, std::optional<election::leader_info> l) {
      if (l) t.state.fence.learn(l->epoch);
    });
  });
  return a;
}

}  // namespace agora::jobs
