#include "jobs_protocol.hpp"

#include <fmt/format.h>

namespace agora::jobs {

std::vector<std::string> job_problems(const job_spec& s) {
  std::vector<std::string> p;
  if (s.id.empty() || s.id.size() > 64) p.push_back("the job id must have 1 to 64 characters");
  if (s.interpreter.empty()) p.push_back("no interpreter named");
  if (s.parts < 1 || s.parts > max_parts) p.push_back(fmt::format("parts must be 1 to {}, got {}", max_parts, s.parts));
  if (s.max_attempts < 1 || s.max_attempts > 100)
    p.push_back(fmt::format("max attempts must be 1 to 100, got {}", s.max_attempts));
  if (s.timeout.count() < 0) p.push_back("the timeout must not be negative");
  if (s.script.size() > max_script_bytes)
    p.push_back(fmt::format("the script has {} bytes, more than the limit of {}", s.script.size(), max_script_bytes));
  if (s.max_output < 1 || s.max_output > max_output_limit)
    p.push_back(fmt::format("max output must be 1 to {} bytes, got {}", max_output_limit, s.max_output));
  return p;
}

namespace protocol {

namespace {

bool non_negative(const term& t) { return t.is_int() && t.as_int() >= 0; }
bool positive(const term& t) { return t.is_int() && t.as_int() > 0; }
std::uint64_t u64(const term& t) { return static_cast<std::uint64_t>(t.as_int()); }

/// JID, PART, ATTEMPT, NODE as the first four fields of `t`.
std::optional<attempt_key> read_key(const term& t) {
  if (!t[0].is_string() || !non_negative(t[1]) || !positive(t[2]) || !positive(t[3])) return std::nullopt;
  return attempt_key{std::string(t[0].as_string()), t[1].as_int(), t[2].as_int(), u64(t[3])};
}

term strings(const std::vector<std::string>& v) {
  std::vector<term> items;
  items.reserve(v.size());
  for (const auto& s : v) items.emplace_back(s);
  return term::sequence(std::move(items));
}

std::optional<std::vector<std::string>> read_strings(const term& t) {
  if (!t.is_sequence()) return std::nullopt;
  std::vector<std::string> out;
  for (const term& i : t.items()) {
    if (!i.is_string()) return std::nullopt;
    out.emplace_back(i.as_string());
  }
  return out;
}

}  // namespace

term job_term(const job_spec& s, std::uint64_t submitter) {
  return rec("job", s.id, i64(submitter), s.interpreter, s.parts, s.max_attempts,
             static_cast<std::int64_t>(s.timeout.count()));
}

term script_term(const job_spec& s) {
  return rec("job_script", s.id, term::bytes(s.script), strings(s.args), s.max_output);
}

std::optional<job_info> read_job(const term& t) {
  if (!t.is_record("job", 6) || !t[0].is_string() || !non_negative(t[1]) || !t[2].is_string() ||
      !positive(t[3]) || !positive(t[4]) || !non_negative(t[5]))
    return std::nullopt;
  // Limits a submitter checks (job_problems): a peer's job beyond them is
  // not trusted (its parts would be planned one by one).
  if (t[3].as_int() > max_parts || t[4].as_int() > 100) return std::nullopt;
  return job_info{std::string(t[0].as_string()), u64(t[1]), std::string(t[2].as_string()),
                  t[3].as_int(), t[4].as_int(), t[5].as_int()};
}

bool read_script(const term& t, job_spec& s) {
  if (!t.is_record("job_script", 4) || !t[1].is_bytes() || !positive(t[3])) return false;
  auto args = read_strings(t[2]);
  if (!args) return false;
  s.script = std::string(t[1].as_bytes());
  s.args = std::move(*args);
  s.max_output = t[3].as_int();
  return true;
}

term worker_term(std::uint64_t node, std::int64_t slots, const std::vector<std::string>& interpreters) {
  return rec("job_worker", i64(node), slots, strings(interpreters));
}

std::optional<worker_info> read_worker(const term& t) {
  if (!t.is_record("job_worker", 3) || !positive(t[0]) || !non_negative(t[1]) || t[1].as_int() > 4096)
    return std::nullopt;
  auto names = read_strings(t[2]);
  if (!names) return std::nullopt;
  return worker_info{u64(t[0]), t[1].as_int(), std::move(*names)};
}

term assign_term(const attempt_key& k, std::uint64_t epoch) {
  return rec("part_assign", k.job, k.part, k.attempt, i64(k.node), i64(epoch));
}

std::optional<std::pair<attempt_key, std::uint64_t>> read_assign(const term& t) {
  if (!t.is_record("part_assign", 5) || !non_negative(t[4])) return std::nullopt;
  auto k = read_key(t);
  if (!k) return std::nullopt;
  return std::pair{std::move(*k), u64(t[4])};
}

term running_term(const attempt_key& k) { return rec("part_running", k.job, k.part, k.attempt, i64(k.node)); }

std::optional<attempt_key> read_running(const term& t) {
  if (!t.is_record("part_running", 4)) return std::nullopt;
  return read_key(t);
}

term outcome_term(const attempt_key& k, term outcome) {
  return rec("part_outcome", k.job, k.part, k.attempt, i64(k.node), std::move(outcome));
}

std::optional<std::pair<attempt_key, term>> read_outcome(const term& t) {
  if (!t.is_record("part_outcome", 5)) return std::nullopt;
  const term& o = t[4];
  const bool ok = o.is_record("ok", 1) && (o[0].is_bytes() || o[0].is_string());
  const bool failed = o.is_record("failed", 2) && o[1].is_string();
  if (!ok && !failed) return std::nullopt;
  auto k = read_key(t);
  if (!k) return std::nullopt;
  return std::pair{std::move(*k), o};
}

term record_term(const attempt_key& k, term verdict) {
  return rec("part_record", k.job, k.part, k.attempt, i64(k.node), std::move(verdict));
}

std::optional<std::pair<attempt_key, term>> read_record(const term& t) {
  if (!t.is_record("part_record", 5)) return std::nullopt;
  const term& v = t[4];
  if (!(v.is_symbol() && v.as_symbol() == "accepted") && !v.is_record("failed", 1)) return std::nullopt;
  auto k = read_key(t);
  if (!k) return std::nullopt;
  return std::pair{std::move(*k), v};
}

term progress_term(const attempt_key& k, double x) {
  return rec("part_progress", k.job, k.part, k.attempt, i64(k.node), x);
}

}  // namespace protocol
}  // namespace agora::jobs
