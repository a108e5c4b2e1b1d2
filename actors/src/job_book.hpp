// The jobs as one member sees them, rebuilt from presence alone (jobs.hpp):
// jobs, workers, parts running, the submitters' records, and the
// assignments this node made while leading. plan() says which waiting parts
// go where. No actor, no I/O: the scheduler feeds it and tests drive it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agora/actors/jobs.hpp"
#include "jobs_protocol.hpp"

namespace agora::jobs {

class job_book {
 public:
  using key = protocol::attempt_key;

  void job_up(const protocol::job_info& j);
  /// The job's assertion went; `end` names how (done, failed, cancelled,
  /// lost, ...) for the history.
  void job_down(const std::string& id, std::string end);
  void worker_up(const protocol::worker_info& w);
  void worker_down(std::uint64_t node);
  void running_up(const key& k);
  /// `withdrawn`: the worker removed it because the submitter recorded the
  /// attempt or accepted the part (absence `recorded`): the part does not
  /// wait again until that record is seen here too — it may come later, by
  /// another link.
  void running_down(const key& k, bool withdrawn = false);
  void record_up(const key& k, bool accepted);
  void record_down(const key& k);
  void refused_up(const std::string& job);
  void refused_down(const std::string& job);
  /// A job just (re)appeared: its submitter's records may still be on their
  /// way, so plan() leaves it alone until released.
  void hold(const std::string& job);
  void release(const std::string& job);
  /// An assignment of `k` was not taken: prefer other nodes for the part
  /// (no attempt is counted).
  void avoid(const key& k);
  /// This node's own assignments (it asserts them while leading).
  void assigned(const key& k);
  void unassigned(const key& k);

  /// Assignments to make now, given the free slots: waiting parts of the
  /// jobs in arrival order, each to the worker with the most free slots
  /// that allows its interpreter, preferring nodes where it has not failed.
  std::vector<key> plan() const;
  /// Jobs no worker can run: (id, why). Only once some worker is known.
  std::vector<std::pair<std::string, std::string>> unrunnable() const;

  std::vector<job_summary> summaries() const;
  bool has_job(const std::string& id) const { return jobs_.contains(id); }
  std::vector<key> assignments() const { return {assigned_.begin(), assigned_.end()}; }
  std::vector<key> assignments_to(std::uint64_t node) const;
  std::vector<key> assignments_of(const std::string& job) const;
  /// This node's assignments of one part.
  std::vector<key> assignments_of(const std::string& job, std::int64_t part) const;
  void set_history(std::size_t n) { history_limit_ = n; }

 private:
  struct part {
    bool accepted = false;
    std::int64_t failures = 0;
    std::set<std::uint64_t> failed_on;
    std::int64_t last_attempt = 0;
    std::set<std::pair<std::int64_t, std::uint64_t>> running, assigned;  // (attempt, node)
    std::set<std::pair<std::int64_t, std::uint64_t>> recorded;  // (attempt, node) with a record seen
    std::set<std::pair<std::int64_t, std::uint64_t>> finishing;  // withdrawn, its record not seen yet
  };
  struct job {
    protocol::job_info info;
    std::uint64_t arrival = 0;
    std::map<std::int64_t, part> parts;  // only parts with a history
    std::set<std::int64_t> waiting;
    std::int64_t done = 0;
    bool refused = false;
    bool held = false;
  };

  job* find(const std::string& id);
  /// Puts the part in or out of `waiting`, after a change.
  void refresh(job& j, std::int64_t p);
  std::int64_t load(std::uint64_t node) const;

  std::map<std::string, job> jobs_;
  std::uint64_t arrivals_ = 0;
  std::map<std::uint64_t, protocol::worker_info> workers_;
  std::map<key, int> running_;                        // part_running assertions seen, with counts
  std::map<std::uint64_t, std::int64_t> running_on_;  // node → part_running assertions
  std::set<key> assigned_;
  std::deque<job_summary> history_;
  std::size_t history_limit_ = 16;
};

}  // namespace agora::jobs
