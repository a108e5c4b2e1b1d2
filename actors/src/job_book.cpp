#include "job_book.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace agora::jobs {

job_book::job* job_book::find(const std::string& id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

void job_book::job_up(const protocol::job_info& info) {
  auto [it, fresh] = jobs_.try_emplace(info.id);
  if (!fresh) return;
  job& j = it->second;
  j.info = info;
  j.arrival = ++arrivals_;
  for (std::int64_t p = 0; p < info.parts; ++p) j.waiting.insert(p);
  // Parts already seen running (a worker's link may be faster than the
  // submitter's).
  for (auto r = running_.lower_bound(key{info.id, 0, 0, 0}); r != running_.end() && r->first.job == info.id; ++r)
    if (r->first.part < info.parts) {
      auto& pt = j.parts[r->first.part];
      pt.running.insert({r->first.attempt, r->first.node});
      pt.last_attempt = std::max(pt.last_attempt, r->first.attempt);
      refresh(j, r->first.part);
    }
}

void job_book::job_down(const std::string& id, std::string end) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  for (auto s : summaries())
    if (s.id == id) {
      s.state = std::move(end);
      s.running.clear();
      history_.push_back(std::move(s));
      break;
    }
  while (history_.size() > history_limit_) history_.pop_front();
  for (auto a = assigned_.begin(); a != assigned_.end();) a = a->job == id ? assigned_.erase(a) : std::next(a);
  jobs_.erase(it);
}

void job_book::worker_up(const protocol::worker_info& w) { workers_[w.node] = w; }
void job_book::worker_down(std::uint64_t node) { workers_.erase(node); }

void job_book::running_up(const key& k) {
  ++running_[k];
  ++running_on_[k.node];
  job* j = find(k.job);
  if (!j || k.part >= j->info.parts) return;
  auto& pt = j->parts[k.part];
  pt.running.insert({k.attempt, k.node});
  pt.last_attempt = std::max(pt.last_attempt, k.attempt);
  refresh(*j, k.part);
}

void job_book::running_down(const key& k, bool withdrawn) {
  if (auto r = running_.find(k); r != running_.end() && --r->second == 0) running_.erase(r);
  if (auto n = running_on_.find(k.node); n != running_on_.end() && --n->second == 0) running_on_.erase(n);
  job* j = find(k.job);
  if (!j || k.part >= j->info.parts) return;
  auto& pt = j->parts[k.part];
  if (!running_.contains(k)) {
    pt.running.erase({k.attempt, k.node});
    // Its record is on its way (from the submitter, by another link than
    // this absence): assigning the part again now would run it twice.
    if (withdrawn && !pt.accepted && !pt.recorded.contains({k.attempt, k.node}))
      pt.finishing.insert({k.attempt, k.node});
  }
  refresh(*j, k.part);
}

void job_book::record_up(const key& k, bool accepted) {
  job* j = find(k.job);
  if (!j || k.part >= j->info.parts) return;
  auto& pt = j->parts[k.part];
  pt.last_attempt = std::max(pt.last_attempt, k.attempt);
  pt.recorded.insert({k.attempt, k.node});
  pt.finishing.erase({k.attempt, k.node});
  if (accepted) {
    if (!pt.accepted) ++j->done;
    pt.accepted = true;
    pt.finishing.clear();
  } else {
    ++pt.failures;
    pt.failed_on.insert(k.node);
  }
  refresh(*j, k.part);
}

void job_book::record_down(const key&) {
  // Records go only with their job: nothing to undo part by part.
}

void job_book::refused_up(const std::string& id) {
  if (job* j = find(id)) j->refused = true;
}
void job_book::refused_down(const std::string& id) {
  if (job* j = find(id)) j->refused = false;
}

void job_book::hold(const std::string& id) {
  if (job* j = find(id)) j->held = true;
}
void job_book::release(const std::string& id) {
  if (job* j = find(id)) j->held = false;
}

void job_book::avoid(const key& k) {
  job* j = find(k.job);
  if (!j || k.part >= j->info.parts) return;
  j->parts[k.part].failed_on.insert(k.node);
  refresh(*j, k.part);
}

void job_book::assigned(const key& k) {
  assigned_.insert(k);
  job* j = find(k.job);
  if (!j) return;
  auto& pt = j->parts[k.part];
  pt.assigned.insert({k.attempt, k.node});
  pt.last_attempt = std::max(pt.last_attempt, k.attempt);
  refresh(*j, k.part);
}

void job_book::unassigned(const key& k) {
  assigned_.erase(k);
  job* j = find(k.job);
  if (!j) return;
  j->parts[k.part].assigned.erase({k.attempt, k.node});
  refresh(*j, k.part);
}

void job_book::refresh(job& j, std::int64_t p) {
  const part& pt = j.parts[p];
  const bool waiting = !pt.accepted && pt.failures < j.info.max_attempts && pt.running.empty() &&
                       pt.assigned.empty() && pt.finishing.empty();
  if (waiting) j.waiting.insert(p);
  else j.waiting.erase(p);
}

std::int64_t job_book::load(std::uint64_t node) const {
  std::int64_t n = 0;
  if (auto r = running_on_.find(node); r != running_on_.end()) n += r->second;
  for (const auto& k : assigned_)
    if (k.node == node && !running_.contains(k)) ++n;
  return n;
}

std::vector<job_book::key> job_book::plan() const {
  std::map<std::uint64_t, std::int64_t> free;
  for (const auto& [node, w] : workers_)
    if (auto f = w.slots - load(node); f > 0) free[node] = f;
  std::vector<const job*> order;
  for (const auto& [id, j] : jobs_)
    if (!j.refused && !j.held) order.push_back(&j);
  std::sort(order.begin(), order.end(), [](const job* a, const job* b) { return a->arrival < b->arrival; });
  std::vector<key> out;
  for (const job* j : order) {
    for (const std::int64_t p : j->waiting) {
      if (free.empty()) return out;
      const auto pt = j->parts.find(p);
      const part* history = pt == j->parts.end() ? nullptr : &pt->second;
      std::optional<std::uint64_t> best;
      auto better = [&](std::uint64_t n) {
        if (!best) return true;
        const bool failed_n = history && history->failed_on.contains(n);
        const bool failed_b = history && history->failed_on.contains(*best);
        if (failed_n != failed_b) return !failed_n;
        return free[n] > free[*best];
      };
      auto allows = [&](std::uint64_t node) {
        const auto& names = workers_.at(node).interpreters;
        return std::find(names.begin(), names.end(), j->info.interpreter) != names.end();
      };
      for (const auto& [node, f] : free)
        if (allows(node) && better(node)) best = node;
      if (!best) break;  // nobody free can run this job now
      // A retry waits for a node where the part has not failed, while one
      // that could run it exists (busy now).
      if (history && history->failed_on.contains(*best) &&
          std::any_of(workers_.begin(), workers_.end(), [&](const auto& w) {
            return allows(w.first) && !history->failed_on.contains(w.first);
          }))
        continue;
      out.push_back(key{j->info.id, p, (history ? history->last_attempt : 0) + 1, *best});
      if (--free[*best] == 0) free.erase(*best);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> job_book::unrunnable() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (workers_.empty()) return out;
  for (const auto& [id, j] : jobs_) {
    if (j.refused) continue;
    std::map<std::string, std::vector<std::uint64_t>> allowed;
    bool can = false;
    for (const auto& [node, w] : workers_)
      for (const auto& name : w.interpreters) {
        allowed[name].push_back(node);
        can |= name == j.info.interpreter;
      }
    if (can) continue;
    std::vector<std::string> list;
    for (const auto& [name, nodes] : allowed) list.push_back(fmt::format("{} on {}", name, fmt::join(nodes, ",")));
    out.emplace_back(id, fmt::format("interpreter {} is not allowed on any node (allowed: {})", j.info.interpreter,
                                     list.empty() ? "none" : fmt::format("{}", fmt::join(list, "; "))));
  }
  return out;
}

std::vector<job_book::key> job_book::assignments_to(std::uint64_t node) const {
  std::vector<key> out;
  for (const auto& k : assigned_)
    if (k.node == node) out.push_back(k);
  return out;
}

std::vector<job_book::key> job_book::assignments_of(const std::string& id, std::int64_t part) const {
  std::vector<key> out;
  for (const auto& k : assigned_)
    if (k.job == id && k.part == part) out.push_back(k);
  return out;
}

std::vector<job_book::key> job_book::assignments_of(const std::string& id) const {
  std::vector<key> out;
  for (const auto& k : assigned_)
    if (k.job == id) out.push_back(k);
  return out;
}

std::vector<job_summary> job_book::summaries() const {
  std::vector<job_summary> out(history_.begin(), history_.end());
  std::vector<std::pair<std::uint64_t, job_summary>> live;
  for (const auto& [id, j] : jobs_) {
    job_summary s{id, j.info.parts, j.done, {}, {}, j.info.submitter};
    for (const auto& [p, pt] : j.parts)
      for (const auto& [attempt, node] : pt.running) ++s.running[node];
    s.state = j.refused ? "refused" : s.running.empty() ? "waiting" : "running";
    live.emplace_back(j.arrival, std::move(s));
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [arrival, s] : live) out.push_back(std::move(s));
  return out;
}

}  // namespace agora::jobs
