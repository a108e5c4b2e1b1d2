#include "node_toml_reader.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <span>
#include <toml++/toml.h>

namespace agora::node_app {

namespace {

// ---- the layout (docs/NODE.md) ----------------------------------------------

using key_list = std::span<const std::string_view>;

constexpr std::array<std::string_view, 14> top_keys = {
    "cluster", "id", "listen", "advertise", "seeds", "secret_file", "allow", "log_level",
    "timing",  "limits", "tls", "election", "telemetry", "jobs"};
constexpr std::array<std::string_view, 3> jobs_keys = {"slots", "scratch", "interpreters"};
constexpr std::array<std::string_view, 5> timing_keys = {
    "heartbeat_ms", "deadline_ms", "handshake_timeout_ms", "reconnect_min_ms", "reconnect_max_ms"};
constexpr std::array<std::string_view, 5> limits_keys = {
    "max_frame", "send_queue_high", "send_queue_max", "too_slow_after_ms", "failed_handshakes_per_minute"};
constexpr std::array<std::string_view, 4> tls_keys = {"enabled", "certificate", "private_key", "ca"};
constexpr std::array<std::string_view, 8> election_keys = {
    "cluster_size", "quorum", "stable_after_ms", "preempt", "candidate", "renew_ms", "lease_ms",
    "election_timeout_ms"};
constexpr std::array<std::string_view, 8> telemetry_keys = {
    "status_interval_ms", "metrics_interval_ms", "rtt_alert_ms", "rss_alert_bytes", "election_alert_ms",
    "log_level", "log_lines_per_second", "http"};

key_list keys_of(std::string_view table) {
  if (table == "timing") return timing_keys;
  if (table == "limits") return limits_keys;
  if (table == "tls") return tls_keys;
  if (table == "election") return election_keys;
  if (table == "telemetry") return telemetry_keys;
  if (table == "jobs") return jobs_keys;
  return top_keys;
}

constexpr std::int64_t max_ms = 86'400'000;  // a day
constexpr std::int64_t max_frame_limit = std::int64_t{1} << 30;
constexpr std::int64_t max_queue = std::int64_t{1} << 40;
constexpr std::int64_t max_int = std::numeric_limits<std::int64_t>::max();

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool is_ip_address(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// ---- reading the file -------------------------------------------------------

/// Walks the parsed file, filling `out` and `found`.
class file_reader {
 public:
  file_reader(std::string source, node_settings& out, findings& found)
      : source_(std::move(source)), out_(out), found_(found) {}

  void read(const toml::table& root) {
    for (auto&& [k, v] : root) {
      const std::string_view key = k.str();
      auto& c = out_.config;
      if (key == "cluster") {
        set(c.cluster, string(v, "", key));
      } else if (key == "id") {
        if (auto id = integer(v, "", key, 1, max_int)) c.id = static_cast<std::uint64_t>(*id);
      } else if (key == "listen") {
        set(c.listen, string(v, "", key));
      } else if (key == "advertise") {
        set(c.advertise, string(v, "", key));
      } else if (key == "seeds") {
        set(c.seeds, strings(v, "", key));
      } else if (key == "secret_file") {
        if (auto path = string(v, "", key)) out_.secret_file = relative_to_file(*path);
      } else if (key == "allow") {
        if (auto list = strings(v, "", key)) c.allow = ip_addresses(*list, v, key);
      } else if (key == "log_level") {
        if (auto text = string(v, "", key)) {
          if (auto level = parse_log_level(*text))
            out_.level = *level;
          else
            problem(v, "", key, fmt::format("\"{}\" is not one of debug, info, warn, error", *text));
        }
      } else if (key == "timing") {
        if (auto t = table(v, key)) read_timing(*t);
      } else if (key == "limits") {
        if (auto t = table(v, key)) read_limits(*t);
      } else if (key == "tls") {
        if (auto t = table(v, key)) read_tls(*t);
      } else if (key == "election") {
        if (auto t = table(v, key)) read_election(*t);
      } else if (key == "telemetry") {
        if (auto t = table(v, key)) read_telemetry(*t);
      } else if (key == "jobs") {
        if (auto t = table(v, key)) read_jobs(*t);
      } else {
        unknown(k, "");
      }
    }
  }

 private:
  void read_timing(const toml::table& t) {
    auto& c = out_.config;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "heartbeat_ms")
        set_ms(c.heartbeat, v, "timing", key);
      else if (key == "deadline_ms")
        set_ms(c.deadline, v, "timing", key);
      else if (key == "handshake_timeout_ms")
        set_ms(c.handshake_timeout, v, "timing", key);
      else if (key == "reconnect_min_ms")
        set_ms(c.reconnect_min, v, "timing", key);
      else if (key == "reconnect_max_ms")
        set_ms(c.reconnect_max, v, "timing", key);
      else
        unknown(k, "timing");
    }
  }

  void read_limits(const toml::table& t) {
    auto& c = out_.config;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "max_frame")
        set_size(c.max_frame, integer(v, "limits", key, 4096, max_frame_limit));
      else if (key == "send_queue_high")
        set_size(c.send_queue_high, integer(v, "limits", key, 1, max_queue));
      else if (key == "send_queue_max")
        set_size(c.send_queue_max, integer(v, "limits", key, 1, max_queue));
      else if (key == "too_slow_after_ms")
        set_ms(c.too_slow_after, v, "limits", key);
      else if (key == "failed_handshakes_per_minute") {
        if (auto n = integer(v, "limits", key, 1, 1'000'000)) c.failed_handshakes_per_minute = static_cast<unsigned>(*n);
      } else
        unknown(k, "limits");
    }
  }

  void read_election(const toml::table& t) {
    auto& e = out_.election;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "cluster_size") {
        if (auto n = integer(v, "election", key, 0, 10'000)) e.cluster_size = static_cast<std::size_t>(*n);
      } else if (key == "quorum") {
        if (auto on = boolean(v, "election", key)) e.quorum = *on;
      } else if (key == "preempt") {
        if (auto on = boolean(v, "election", key)) e.preempt = *on;
      } else if (key == "candidate") {
        if (auto on = boolean(v, "election", key)) e.candidate = *on;
      } else if (key == "stable_after_ms") {
        set_ms(e.stable_after, v, "election", key);
      } else if (key == "renew_ms") {
        set_ms(e.renew, v, "election", key);
      } else if (key == "lease_ms") {
        set_ms(e.lease, v, "election", key);
      } else if (key == "election_timeout_ms") {
        set_ms(e.election_timeout, v, "election", key);
      } else {
        unknown(k, "election");
      }
    }
  }

  void read_jobs(const toml::table& t) {
    auto& j = out_.jobs;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "slots") {
        if (auto n = integer(v, "jobs", key, 1, 4096)) j.slots = *n;
      } else if (key == "scratch") {
        if (auto path = string(v, "jobs", key)) j.scratch = relative_to_file(*path);
      } else if (key == "interpreters") {
        if (!expect(v, toml::node_type::table, "jobs", key)) continue;
        for (auto&& [name, path] : *v.as_table()) {
          const std::string label = fmt::format("interpreters.{}", name.str());
          auto text = string(path, "jobs", label);
          if (!text) continue;
          if (auto why = interpreter_problem(name.str(), *text))
            problem(path, "jobs", label, *why);
          else
            j.interpreters[std::string(name.str())] = *text;
        }
      } else {
        unknown(k, "jobs");
      }
    }
  }

  void read_tls(const toml::table& t) {
    auto& tls = out_.config.tls;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "enabled") {
        if (auto on = boolean(v, "tls", key)) tls.enabled = *on;
      } else if (key == "certificate" || key == "private_key" || key == "ca") {
        if (auto path = string(v, "tls", key)) {
          auto& field = key == "certificate" ? tls.certificate : key == "private_key" ? tls.private_key : tls.ca;
          field = relative_to_file(*path);
        }
      } else {
        unknown(k, "tls");
      }
    }
  }

  void read_telemetry(const toml::table& t) {
    auto& s = out_.telemetry;
    const std::string_view in = "telemetry";
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "status_interval_ms")
        set_ms(s.status_interval, v, in, key);
      else if (key == "metrics_interval_ms")
        set_ms(s.metrics_interval, v, in, key);
      else if (key == "rtt_alert_ms")
        set_ms(s.rtt_alert, v, in, key);
      else if (key == "election_alert_ms")
        set_ms(s.election_alert, v, in, key);
      else if (key == "rss_alert_bytes") {
        if (auto n = integer(v, in, key, 0, max_int)) s.rss_alert_bytes = static_cast<std::uint64_t>(*n);
      } else if (key == "log_lines_per_second") {
        if (auto n = integer(v, in, key, 1, 100'000)) s.log_lines_per_second = static_cast<unsigned>(*n);
      } else if (key == "log_level") {
        if (auto text = string(v, in, key)) {
          if (auto level = parse_log_level(*text))
            s.log_threshold = *level;
          else
            problem(v, in, key, fmt::format("\"{}\" is not one of debug, info, warn, error", *text));
        }
      } else if (key == "http") {
        if (auto text = string(v, in, key)) {
          if (text->empty() || parse_host_port(*text))
            s.http = *text;
          else
            problem(v, in, key, fmt::format("\"{}\" is not HOST:PORT", *text));
        }
      } else {
        unknown(k, in);
      }
    }
  }

  // ---- values of one kind, checked; nullopt after a problem ----

  /// "node.toml:7: key 'heartbeat_ms' in [timing]"
  std::string where(const toml::node& v, std::string_view table, std::string_view key) const {
    return fmt::format("{}:{}: key '{}'{}", source_, v.source().begin.line, key,
                       table.empty() ? "" : fmt::format(" in [{}]", table));
  }

  void problem(const toml::node& v, std::string_view table, std::string_view key, std::string_view what) {
    found_.tell(setting_name(table, key), fmt::format("{}: {}", where(v, table, key), what), v.source().begin.line);
  }

  bool expect(const toml::node& v, toml::node_type type, std::string_view table, std::string_view key) {
    if (v.type() == type) {
      found_.origin[setting_name(table, key)] = where(v, table, key);
      return true;
    }
    problem(v, table, key, fmt::format("expected {}, got {}", type_name(type), type_name(v.type())));
    return false;
  }

  std::optional<std::string> string(const toml::node& v, std::string_view table, std::string_view key) {
    if (!expect(v, toml::node_type::string, table, key)) return std::nullopt;
    return v.as_string()->get();
  }

  std::optional<bool> boolean(const toml::node& v, std::string_view table, std::string_view key) {
    if (!expect(v, toml::node_type::boolean, table, key)) return std::nullopt;
    return v.as_boolean()->get();
  }

  std::optional<std::int64_t> integer(const toml::node& v, std::string_view table, std::string_view key,
                                      std::int64_t min, std::int64_t max) {
    if (!expect(v, toml::node_type::integer, table, key)) return std::nullopt;
    const std::int64_t n = v.as_integer()->get();
    if (n < min || n > max) {
      problem(v, table, key, fmt::format("{} is out of range: {} to {}", n, min, max));
      return std::nullopt;
    }
    return n;
  }

  std::optional<std::vector<std::string>> strings(const toml::node& v, std::string_view table,
                                                  std::string_view key) {
    if (!expect(v, toml::node_type::array, table, key)) return std::nullopt;
    std::vector<std::string> list;
    bool ok = true;
    const auto& items = *v.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const toml::node& item = items[i];
      if (auto s = item.as_string()) {
        list.push_back(s->get());
      } else {
        problem(item, table, key, fmt::format("item {}: expected a string, got {}", i + 1, type_name(item.type())));
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return list;
  }

  const toml::table* table(const toml::node& v, std::string_view key) {
    if (!expect(v, toml::node_type::table, "", key)) return nullptr;
    return v.as_table();
  }

  std::vector<std::string> ip_addresses(std::vector<std::string> list, const toml::node& v, std::string_view key) {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (!is_ip_address(list[i]))
        problem((*v.as_array())[i], "", key, fmt::format("item {}: \"{}\" is not an IP address", i + 1, list[i]));
    return list;
  }

  template <class T>
  static void set(T& field, std::optional<T> value) {
    if (value) field = std::move(*value);
  }
  static void set_size(std::size_t& field, std::optional<std::int64_t> value) {
    if (value) field = static_cast<std::size_t>(*value);
  }
  void set_ms(std::chrono::milliseconds& field, const toml::node& v, std::string_view table, std::string_view key) {
    if (auto ms = integer(v, table, key, 1, max_ms)) field = std::chrono::milliseconds(*ms);
  }

  void unknown(const toml::key& k, std::string_view table) {
    const std::string_view key = k.str();
    const std::size_t line = k.source().begin.line;
    std::string what = fmt::format("{}:{}: unknown key '{}'{}", source_, line, key,
                                   table.empty() ? " at the top level" : fmt::format(" in [{}]", table));
    for (std::string_view other : {"", "timing", "limits", "tls", "telemetry"}) {
      const auto keys = keys_of(other);
      if (other != table && std::find(keys.begin(), keys.end(), key) != keys.end()) {
        // Told as the setting's problem: "listen is not set" would only confuse.
        found_.tell(setting_name(other, key),
                    fmt::format("{}; it belongs {}", what,
                                other.empty() ? "at the top level, before any [table]" : fmt::format("in [{}]", other)),
                    line);
        return;
      }
    }
    const auto keys = keys_of(table);
    std::vector<std::string> close;
    for (auto known : keys)
      if (edit_distance(key, known) <= 2 || (key.size() >= 4 && known.starts_with(key)))
        close.push_back(fmt::format("'{}'", known));
    if (!close.empty()) what += fmt::format("; did you mean {}?", fmt::join(close, " or "));
    found_.add(fmt::format("{} (the keys there: {})", what, fmt::join(keys, ", ")), line);
  }

  std::string relative_to_file(const std::string& path) const {
    namespace fs = std::filesystem;
    const fs::path p(path);
    if (p.empty() || p.is_absolute()) return path;
    return (fs::path(source_).parent_path() / p).string();
  }

  std::string source_;
  node_settings& out_;
  findings& found_;
};

}  // namespace

void read_node_toml(std::string_view toml_text, const std::string& source, node_settings& out, findings& found) {
  try {
    const toml::table root = toml::parse(toml_text, source);
    file_reader(source, out, found).read(root);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw config_error(
        {fmt::format("{}:{}:{}: TOML syntax error: {}", source, at.line, at.column, e.description())});
  }
}

}  // namespace agora::node_app
