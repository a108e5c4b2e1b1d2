// Reading and building the process driver's terms: COMMAND, the topics, the
// reasons, the figures.
#include <fmt/format.h>

#include <cstring>

#include "agora/drivers/process.hpp"
#include "process_terms.hpp"

extern char** environ;

namespace agora::process {

namespace {

term strings(const std::vector<std::string>& v) {
  std::vector<term> items;
  items.reserve(v.size());
  for (const auto& s : v) items.emplace_back(s);
  return term::sequence(std::move(items));
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

term command::to_term() const {
  return rec("command", strings(argv), strings(env), dir,
             rec("limits", static_cast<std::int64_t>(timeout.count()), cpu_seconds, address_space,
                 open_files, static_cast<std::int64_t>(grace.count())));
}

read_result read_command(const term& t) {
  if (!t.is_record("command", 4))
    return {{}, fmt::format("want command(ARGV, ENV, DIR, LIMITS), got {}", t.to_string())};
  command c;
  const term& argv = t[0];
  if (!argv.is_sequence() || argv.size() == 0)
    return {{}, fmt::format("ARGV must be a sequence of at least one string, got {}", argv.to_string())};
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const term& a = argv[i];
    if (!a.is_string() || has_nul(a.as_string()))
      return {{}, fmt::format("ARGV[{}] must be a string without NUL, got {}", i, a.to_string())};
    c.argv.emplace_back(a.as_string());
  }
  if (c.argv[0].empty()) return {{}, "ARGV[0] (the program) must not be empty"};
  const term& env = t[1];
  if (!env.is_sequence())
    return {{}, fmt::format("ENV must be a sequence of \"NAME=VALUE\" strings, got {}", env.to_string())};
  for (std::size_t i = 0; i < env.size(); ++i) {
    const term& e = env[i];
    if (!e.is_string() || has_nul(e.as_string()) || e.as_string().find('=') == 0 ||
        e.as_string().find('=') == std::string_view::npos)
      return {{}, fmt::format("ENV[{}] must be a \"NAME=VALUE\" string, got {}", i, e.to_string())};
    c.env.emplace_back(e.as_string());
  }
  const term& dir = t[2];
  if (!dir.is_string() || has_nul(dir.as_string()))
    return {{}, fmt::format("DIR must be a string (\"\": the driver's directory), got {}", dir.to_string())};
  c.dir = std::string(dir.as_string());
  const term& l = t[3];
  const char* want = "LIMITS must be limits(TIMEOUT_MS, CPU_SECONDS, ADDRESS_SPACE_BYTES, "
                     "OPEN_FILES, GRACE_MS)";
  if (!l.is_record("limits", 5)) return {{}, fmt::format("{}, got {}", want, l.to_string())};
  static constexpr const char* names[5] = {"TIMEOUT_MS", "CPU_SECONDS", "ADDRESS_SPACE_BYTES",
                                           "OPEN_FILES", "GRACE_MS"};
  std::int64_t v[5];
  for (std::size_t i = 0; i < 5; ++i) {
    const std::int64_t most = (i == 0 || i == 4) ? max_duration_ms : INT64_MAX;
    if (!l[i].is_int() || l[i].as_int() < 0 || l[i].as_int() > most)
      return {{}, fmt::format("LIMITS: {} must be an integer in [0, {}], got {}", names[i], most,
                              l[i].to_string())};
    v[i] = l[i].as_int();
  }
  c.timeout = std::chrono::milliseconds(v[0]);
  c.cpu_seconds = v[1];
  c.address_space = v[2];
  c.open_files = v[3];
  c.grace = std::chrono::milliseconds(v[4]);
  return {std::move(c), {}};
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

term topic(term id, const command& c) { return rec("process", std::move(id), c.to_term()); }
term topic(term id, term command_term) { return rec("process", std::move(id), std::move(command_term)); }
term output_topic(term id) { return rec("process.output", std::move(id), _, _); }

term stream_symbol(stream s) { return sym(s == stream::out ? "stdout" : "stderr"); }

std::optional<stream> read_stream(const term& t) {
  if (!t.is_symbol()) return std::nullopt;
  if (t.as_symbol() == "stdout") return stream::out;
  if (t.as_symbol() == "stderr") return stream::err;
  return std::nullopt;
}

std::optional<std::int64_t> exit_code(const reason& why) {
  const term& t = why.as_term();
  if (!t.is_record("exited", 1) || !t[0].is_int()) return std::nullopt;
  return t[0].as_int();
}

std::optional<std::int64_t> signal_of(const reason& why) {
  const term& t = why.as_term();
  if (!t.is_record("killed", 1) || !t[0].is_int()) return std::nullopt;
  return t[0].as_int();
}

std::optional<std::string> spawn_failure(const reason& why) {
  const term& t = why.as_term();
  if (!t.is_record("failed", 1) || !t[0].is_string()) return std::nullopt;
  return std::string(t[0].as_string());
}

std::optional<stats> read_stats(const term& reply) {
  if (!reply.is_record("process_stats", 6)) return std::nullopt;
  for (std::size_t i = 1; i < 6; ++i)
    if (!reply[i].is_int()) return std::nullopt;
  return stats{reply[1].as_int(), reply[2].as_int(), reply[3].as_int(), reply[4].as_int(),
               reply[5].as_int()};
}

namespace detail {

term reason_exited(std::int64_t code) { return rec("exited", code); }
term reason_killed(std::int64_t signal) { return rec("killed", signal); }
term reason_timeout() { return sym("timeout"); }
term reason_failed(std::string_view what) { return rec("failed", what); }
term reason_too_slow(std::string_view what) { return rec("too_slow", what); }

}  // namespace detail

}  // namespace agora::process
