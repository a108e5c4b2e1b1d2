#include "node_config_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "config_findings.hpp"
#include "node_toml_reader.hpp"
#include "secret_file.hpp"

namespace agora::node_app {

namespace {

// ---- the command line, the secret, the final check ---------------------------

void apply_jobs(const node_overrides& o, jobs_settings& j, findings& found) {
  if (o.slots) {
    found.origin["jobs.slots"] = "--slots";
    if (*o.slots >= 1 && *o.slots <= 4096)
      j.slots = *o.slots;
    else
      found.tell("jobs.slots", fmt::format("--slots: {} is out of range: 1 to 4096", *o.slots));
  }
  if (o.scratch) {
    found.origin["jobs.scratch"] = "--scratch";
    j.scratch = *o.scratch;
  }
  for (const auto& arg : o.interpreters) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      found.tell("jobs.interpreters", fmt::format("--allow-interpreter: \"{}\" is not NAME=PATH", arg));
      continue;
    }
    const std::string name = arg.substr(0, eq), path = arg.substr(eq + 1);
    if (auto why = interpreter_problem(name, path))
      found.tell("jobs.interpreters", fmt::format("--allow-interpreter {}: {}", arg, *why));
    else
      j.interpreters[name] = path;
  }
}

void apply(const node_overrides& o, node_settings& s, findings& found) {
  auto& origin = found.origin;
  if (o.id) {
    s.config.id = *o.id;
    origin["id"] = "--id";
  }
  if (o.listen) {
    s.config.listen = *o.listen;
    origin["listen"] = "--listen";
  }
  if (o.advertise) {
    s.config.advertise = *o.advertise;
    origin["advertise"] = "--advertise";
  }
  if (!o.seeds.empty()) {
    s.config.seeds = o.seeds;
    origin["seeds"] = "--seed";
  }
  if (o.secret_file) {
    s.secret_file = *o.secret_file;
    origin["secret_file"] = "--secret-file";
  }
  if (o.level) {
    s.level = *o.level;
    origin["log_level"] = "--log-level";
  }
  if (o.not_candidate) {
    s.election.candidate = false;
    origin["election.candidate"] = "--no-candidate";
  }
  if (o.cluster_size) {
    s.election.cluster_size = *o.cluster_size;
    origin["election.cluster_size"] = "--cluster-size";
  }
  apply_jobs(o, s.jobs, found);
  auto& t = s.telemetry;
  if (o.http) {
    origin["telemetry.http"] = "--http";
    if (parse_host_port(*o.http))
      t.http = *o.http;
    else
      found.tell("telemetry.http", fmt::format("--http: \"{}\" is not HOST:PORT", *o.http));
  }
  struct ms_flag {
    const std::optional<std::int64_t>& value;
    std::chrono::milliseconds& field;
    const char *flag, *setting;
  };
  for (const auto& f : {ms_flag{o.status_interval_ms, t.status_interval, "--status-interval-ms", "telemetry.status_interval_ms"},
                        ms_flag{o.metrics_interval_ms, t.metrics_interval, "--metrics-interval-ms", "telemetry.metrics_interval_ms"},
                        ms_flag{o.rtt_alert_ms, t.rtt_alert, "--rtt-alert-ms", "telemetry.rtt_alert_ms"},
                        ms_flag{o.election_alert_ms, t.election_alert, "--election-alert-ms", "telemetry.election_alert_ms"}}) {
    if (!f.value) continue;
    origin[f.setting] = f.flag;
    if (*f.value >= 1 && *f.value <= max_telemetry_ms)
      f.field = std::chrono::milliseconds(*f.value);
    else
      found.tell(f.setting, fmt::format("{}: {} is out of range: 1 to {}", f.flag, *f.value, max_telemetry_ms));
  }
  if (o.rss_alert_bytes) {
    origin["telemetry.rss_alert_bytes"] = "--rss-alert-bytes";
    if (*o.rss_alert_bytes >= 0)
      t.rss_alert_bytes = static_cast<std::uint64_t>(*o.rss_alert_bytes);
    else
      found.tell("telemetry.rss_alert_bytes", fmt::format("--rss-alert-bytes: {} is out of range: 0 to {}",
                                                          *o.rss_alert_bytes, std::numeric_limits<std::int64_t>::max()));
  }
}

/// The settings a problem of cluster::validate() is about, by the word it
/// starts with ("deadline: ..."), the likeliest culprit first.
std::vector<std::string> settings_named_by(std::string_view problem) {
  static const std::map<std::string_view, std::vector<std::string>> by_word = {
      {"id", {"id"}},
      {"cluster", {"cluster"}},
      {"listen", {"listen"}},
      {"advertise", {"advertise"}},
      {"seed", {"seeds"}},
      {"secret", {"secret_file"}},
      {"heartbeat", {"timing.heartbeat_ms"}},
      {"deadline", {"timing.deadline_ms", "timing.heartbeat_ms"}},
      {"reconnect", {"timing.reconnect_min_ms", "timing.reconnect_max_ms"}},
      {"max_frame", {"limits.max_frame"}},
      {"send_queue", {"limits.send_queue_high", "limits.send_queue_max"}},
      {"tls", {"tls.enabled", "tls.certificate", "tls.private_key", "tls.ca"}},
  };
  const auto colon = problem.find(':');
  if (colon == std::string_view::npos) return {};
  const auto it = by_word.find(problem.substr(0, colon));
  return it == by_word.end() ? std::vector<std::string>{} : it->second;
}

/// The settings that have no default: each must come from the file or a flag.
void require(const node_settings& s, const std::string& source, findings& found) {
  struct setting {
    std::string_view name, flag;
    bool given;
  };
  for (const auto& r : {setting{"id", "--id", s.config.id != 0}, setting{"listen", "--listen", !s.config.listen.empty()},
                        setting{"secret_file", "--secret-file", !s.secret_file.empty()}}) {
    const std::string name(r.name);
    if (r.given || found.origin.count(name) || found.told.count(name)) continue;
    found.tell(name, fmt::format("{}{} is not set: set '{}' in {} or pass {}", source.empty() ? "" : source + ": ",
                                 r.name, r.name, source.empty() ? "a configuration file" : source, r.flag));
  }
}

node_settings finish(node_settings s, const std::string& source, findings found) {
  require(s, source, found);
  if (!found.told.count("secret_file")) {
    try {
      s.config.secret = read_secret_file(s.secret_file);
    } catch (const std::exception& e) {
      found.tell("secret_file", fmt::format("{}: {}", found.origin.at("secret_file"), e.what()));
    }
  }
  for (const auto& p : cluster::validate(s.config)) {
    const auto settings = settings_named_by(p);
    if (std::any_of(settings.begin(), settings.end(), [&](const auto& n) { return found.told.count(n) > 0; }))
      continue;  // already told, more precisely
    const auto made =
        std::find_if(settings.begin(), settings.end(), [&](const auto& n) { return found.origin.count(n) > 0; });
    if (made != settings.end())
      found.add(fmt::format("{}: {}", found.origin.at(*made), p));
    else
      found.add(source.empty() ? p : fmt::format("{}: {}", source, p));
  }
  // The elector's settings, against the failure deadline they depend on:
  // unless set, the lease is half the deadline and a renewal a fifth of that
  // (500 and 100 ms with the default deadline of 1 s).
  if (!found.origin.count("election.lease_ms") && s.config.deadline.count() > 1)
    s.election.lease = std::min(s.election.lease, s.config.deadline / 2);
  if (!found.origin.count("election.renew_ms"))
    s.election.renew = std::max(std::chrono::milliseconds(1), std::min(s.election.renew, s.election.lease / 5));
  auto election = s.election;
  election.id = std::max<std::uint64_t>(s.config.id, 1);
  for (const auto& p : election::validate(election, s.config.deadline)) {
    const char* setting = p.find("quorum") != std::string::npos ? "election.quorum" : "election.lease_ms";
    auto made = found.origin.find(setting);
    found.add(made != found.origin.end() ? fmt::format("{}: {}", made->second, p)
                                         : (source.empty() ? p : fmt::format("{}: {}", source, p)));
  }
  if (!found.problems.empty()) throw config_error(found.in_order());
  return s;
}

}  // namespace

std::optional<std::string> interpreter_problem(std::string_view name, std::string_view path) {
  const bool name_ok = !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' || c == '-';
  });
  if (!name_ok)
    return fmt::format("\"{}\" is not an interpreter name (1 to 32 letters, digits, '.', '_', '+', '-')", name);
  if (path.empty() || path.front() != '/') return fmt::format("\"{}\" is not an absolute path", path);
  const std::string p(path);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(p.c_str(), X_OK) != 0)
    return fmt::format("{} is not an executable file", path);
  return std::nullopt;
}

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(fmt::format("{}", fmt::join(problems, "\n"))), problems_(std::move(problems)) {}

node_settings parse_node_settings(std::string_view toml_text, const std::string& source,
                                  const node_overrides& overrides) {
  node_settings s;
  findings found;
  read_node_toml(toml_text, source, s, found);
  apply(overrides, s, found);
  return finish(std::move(s), source, std::move(found));
}

node_settings load_node_settings(const std::optional<std::string>& path, const node_overrides& overrides) {
  if (!path) {
    node_settings s;
    findings found;
    apply(overrides, s, found);
    return finish(std::move(s), "", std::move(found));
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(*path, ec);
  if (ec) throw config_error({fmt::format("{}: cannot read: {}", *path, ec.message())});
  if (!fs::is_regular_file(status)) throw config_error({fmt::format("{}: not a regular file", *path)});
  std::ifstream in(*path, std::ios::binary);
  if (!in) throw config_error({fmt::format("{}: cannot open: {}", *path, std::strerror(errno))});
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_config_file_bytes)
      throw config_error({fmt::format("{}: larger than {} bytes; is it the configuration file?", *path,
                                      max_config_file_bytes)});
  }
  if (in.bad()) throw config_error({fmt::format("{}: cannot read", *path)});
  return parse_node_settings(text, *path, overrides);
}

}  // namespace agora::node_app
