// The jobs protocol's terms (jobs.hpp has the list): builders, patterns
// and readers that check every field, so that a malformed assertion from a
// peer is ignored rather than trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "agora/actors/jobs.hpp"
#include "agora/term.hpp"

namespace agora::jobs::protocol {

inline std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

/// A part's attempt on a node: what part_running, part_outcome,
/// part_record and part_assign name.
struct attempt_key {
  std::string job;
  std::int64_t part = 0, attempt = 0;
  std::uint64_t node = 0;
  friend auto operator<=>(const attempt_key&, const attempt_key&) = default;
};

inline term job_topic(term id = _) { return rec("job", std::move(id), _, _, _, _, _); }
term job_term(const job_spec& s, std::uint64_t submitter);
inline term script_topic(term id = _) { return rec("job_script", std::move(id), _, _, _); }
term script_term(const job_spec& s);

struct job_info {
  std::string id;
  std::uint64_t submitter = 0;
  std::string interpreter;
  std::int64_t parts = 0, max_attempts = 0, timeout_ms = 0;
};
std::optional<job_info> read_job(const term& t);
/// Fills script, args and max_output of `s` from job_script(...); false if malformed.
bool read_script(const term& t, job_spec& s);

inline term worker_topic() { return rec("job_worker", _, _, _); }
term worker_term(std::uint64_t node, std::int64_t slots, const std::vector<std::string>& interpreters);
struct worker_info {
  std::uint64_t node = 0;
  std::int64_t slots = 0;
  std::vector<std::string> interpreters;
};
std::optional<worker_info> read_worker(const term& t);

inline term assign_topic(term node = _) { return rec("part_assign", _, _, _, std::move(node), _); }
term assign_term(const attempt_key& k, std::uint64_t epoch);
std::optional<std::pair<attempt_key, std::uint64_t>> read_assign(const term& t);

inline term running_topic(term job = _) { return rec("part_running", std::move(job), _, _, _); }
term running_term(const attempt_key& k);
std::optional<attempt_key> read_running(const term& t);

inline term outcome_topic(term job = _) { return rec("part_outcome", std::move(job), _, _, _, _); }
term outcome_term(const attempt_key& k, term outcome);
/// ok(RESULT) | failed(REASON, TAIL)
std::optional<std::pair<attempt_key, term>> read_outcome(const term& t);

inline term record_topic(term job = _) { return rec("part_record", std::move(job), _, _, _, _); }
term record_term(const attempt_key& k, term verdict);
/// accepted | failed(REASON)
std::optional<std::pair<attempt_key, term>> read_record(const term& t);

inline term refused_topic(term job = _) { return rec("job_refused", std::move(job), _); }

inline term progress_topic(term job) { return rec("part_progress", std::move(job), _, _, _, _); }
term progress_term(const attempt_key& k, double x);

inline term cancel_topic(term job = _) { return rec("job_cancel", std::move(job)); }

}  // namespace agora::jobs::protocol
