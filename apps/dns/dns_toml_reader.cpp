// The TOML layout of agora-dns (docs/DNS.md, "Configuration"), as a table
// of settings: each knows its table, key, type, range and where it goes.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <toml++/toml.h>

#include "dns_config.hpp"

namespace agora::dns {

namespace {

using std::chrono::milliseconds;

constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t max_u32 = std::numeric_limits<std::uint32_t>::max();

/// Problems by line: toml++ keeps a table's keys sorted, the reader wants
/// them in the order of the file.
struct place {
  const std::string& source;
  std::vector<std::pair<std::size_t, std::string>>& problems;
  void tell(const toml::node& n, std::string_view setting, std::string what) const {
    const std::size_t line = n.source().begin.line;
    problems.emplace_back(line, fmt::format("{}:{}: {}: {}", source, line, setting, what));
  }
};

struct setting {
  std::string_view table, key;
  std::function<void(const toml::node&, const place&, std::string_view, proxy_settings&)> read;
};

/// An integer in [lo, hi] handed to `set`.
template <class F>
setting integer(std::string_view table, std::string_view key, std::int64_t lo, std::int64_t hi, F set) {
  return {table, key, [lo, hi, set](const toml::node& n, const place& p, std::string_view name, proxy_settings& out) {
            const auto v = n.value<std::int64_t>();
            if (!n.is_integer() || !v) return p.tell(n, name, "want an integer");
            if (*v < lo || *v > hi) return p.tell(n, name, fmt::format("{} is out of range [{}, {}]", *v, lo, hi));
            set(out, *v);
          }};
}

template <class F>
setting boolean(std::string_view table, std::string_view key, F set) {
  return {table, key, [set](const toml::node& n, const place& p, std::string_view name, proxy_settings& out) {
            if (!n.is_boolean()) return p.tell(n, name, "want true or false");
            set(out, *n.value<bool>());
          }};
}

template <class F>
setting number(std::string_view table, std::string_view key, double lo, double hi, F set) {
  return {table, key, [lo, hi, set](const toml::node& n, const place& p, std::string_view name, proxy_settings& out) {
            const auto v = n.value<double>();
            if (!(n.is_floating_point() || n.is_integer()) || !v) return p.tell(n, name, "want a number");
            if (*v < lo || *v > hi) return p.tell(n, name, fmt::format("{} is out of range [{}, {}]", *v, lo, hi));
            set(out, *v);
          }};
}

std::vector<setting> layout() {
  using P = proxy_settings;
  return {
      {"server", "host",
       [](const toml::node& n, const place& p, std::string_view name, P& out) {
         if (!n.is_string()) return p.tell(n, name, "want a string (an IP address)");
         out.host = *n.value<std::string>();
       }},
      integer("server", "port", 0, 65535, [](P& o, std::int64_t v) { o.port = static_cast<std::uint16_t>(v); }),
      {"forward", "upstreams",
       [](const toml::node& n, const place& p, std::string_view name, P& out) {
         const auto* a = n.as_array();
         if (!a) return p.tell(n, name, "want an array of \"HOST:PORT\" strings");
         out.upstreams.clear();
         for (const auto& e : *a) {
           if (!e.is_string()) {
             p.tell(e, name, "want \"HOST:PORT\" strings");
             continue;
           }
           try {
             out.upstreams.push_back(parse_upstream(*e.value<std::string>()));
           } catch (const std::invalid_argument& x) {
             p.tell(e, name, x.what());
           }
         }
       }},
      {"iterative", "root_hints",
       [](const toml::node& n, const place& p, std::string_view name, P& out) {
         if (!n.is_string()) return p.tell(n, name, "want a file name");
         out.root_hints = *n.value<std::string>();
       }},
      integer("iterative", "question_budget_ms", 10, day_ms,
              [](P& o, std::int64_t v) { o.iterative.question_budget = milliseconds(v); }),
      integer("iterative", "max_referrals", 1, 1000, [](P& o, std::int64_t v) { o.iterative.max_referrals = v; }),
      integer("iterative", "max_cnames", 0, 1000, [](P& o, std::int64_t v) { o.iterative.max_cnames = v; }),
      integer("iterative", "max_glueless", 0, 1000, [](P& o, std::int64_t v) { o.iterative.max_glueless = v; }),
      integer("iterative", "max_zones", 1, 10'000'000, [](P& o, std::int64_t v) { o.iterative.max_zones = v; }),
      integer("iterative", "server_port", 1, 65535,
              [](P& o, std::int64_t v) { o.iterative.server_port = static_cast<std::uint16_t>(v); }),
      integer("iterative", "relay_idle_ms", 100, day_ms,
              [](P& o, std::int64_t v) { o.iterative.relay_idle = milliseconds(v); }),
      integer("upstream", "attempt_timeout_ms", 10, day_ms,
              [](P& o, std::int64_t v) { o.upstream.attempt_timeout = milliseconds(v); }),
      integer("upstream", "max_attempts", 1, 100, [](P& o, std::int64_t v) { o.upstream.max_attempts = v; }),
      integer("upstream", "max_outstanding", 1, 1'000'000,
              [](P& o, std::int64_t v) { o.upstream.max_outstanding = v; }),
      integer("upstream", "down_after_timeouts", 0, 1'000'000,
              [](P& o, std::int64_t v) { o.upstream.down_after_timeouts = v; }),
      integer("upstream", "down_for_ms", 0, day_ms, [](P& o, std::int64_t v) { o.upstream.down_for = milliseconds(v); }),
      boolean("upstream", "use_0x20", [](P& o, bool v) { o.upstream.use_0x20 = v; }),
      integer("upstream", "edns_size", 512, 65535,
              [](P& o, std::int64_t v) { o.upstream.edns_size = static_cast<std::uint16_t>(v); }),
      integer("clients", "deadline_ms", 10, day_ms, [](P& o, std::int64_t v) { o.clients.deadline = milliseconds(v); }),
      integer("clients", "max_questions_in_flight", 1, 10'000'000,
              [](P& o, std::int64_t v) { o.clients.max_questions_in_flight = v; }),
      integer("clients", "max_waiting_clients", 1, 10'000'000,
              [](P& o, std::int64_t v) { o.clients.max_waiting_clients = v; }),
      number("clients", "error_replies_per_second", 0, 1e9,
             [](P& o, double v) { o.clients.error_replies_per_second = v; }),
      number("clients", "log_lines_per_second", 0, 1e9, [](P& o, double v) { o.clients.log_lines_per_second = v; }),
      integer("clients", "max_tcp_clients", 0, 1'000'000, [](P& o, std::int64_t v) { o.clients.max_tcp_clients = v; }),
      integer("clients", "tcp_idle_ms", 100, day_ms, [](P& o, std::int64_t v) { o.clients.tcp_idle = milliseconds(v); }),
      integer("clients", "edns_size", 512, 65535,
              [](P& o, std::int64_t v) { o.clients.edns_size = static_cast<std::uint16_t>(v); }),
      integer("clients", "receive_buffer_bytes", 0, std::int64_t{1} << 30,
              [](P& o, std::int64_t v) { o.clients.receive_buffer_bytes = v; }),
      integer("cache", "max_bytes", 0, std::int64_t{1} << 40, [](P& o, std::int64_t v) { o.cache.max_bytes = v; }),
      integer("cache", "min_ttl", 0, max_u32, [](P& o, std::int64_t v) { o.cache.min_ttl = static_cast<std::uint32_t>(v); }),
      integer("cache", "max_ttl", 0, max_u32, [](P& o, std::int64_t v) { o.cache.max_ttl = static_cast<std::uint32_t>(v); }),
      integer("cache", "max_negative_ttl", 0, max_u32,
              [](P& o, std::int64_t v) { o.cache.max_negative_ttl = static_cast<std::uint32_t>(v); }),
      integer("cache", "servfail_ttl", 0, 300,
              [](P& o, std::int64_t v) { o.cache.servfail_ttl = static_cast<std::uint32_t>(v); }),
      boolean("cache", "serve_stale", [](P& o, bool v) { o.cache.serve_stale = v; }),
      integer("cache", "max_stale", 0, max_u32,
              [](P& o, std::int64_t v) { o.cache.max_stale = static_cast<std::uint32_t>(v); }),
      integer("cache", "stale_ttl", 0, max_u32,
              [](P& o, std::int64_t v) { o.cache.stale_ttl = static_cast<std::uint32_t>(v); }),
      integer("cache", "stale_after_ms", 0, day_ms,
              [](P& o, std::int64_t v) { o.clients.stale_after = milliseconds(v); }),
  };
}

}  // namespace

void read_dns_toml(std::string_view toml_text, const std::string& source, proxy_settings& out,
                   std::vector<std::string>& problems) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    problems.push_back(fmt::format("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column,
                                   e.description()));
    return;
  }
  std::vector<std::pair<std::size_t, std::string>> found;
  const place p{source, found};
  const auto settings = layout();
  for (const auto& [table_key, table_node] : doc) {
    const std::string_view table = table_key.str();
    const auto* t = table_node.as_table();
    bool known_table = false;
    for (const auto& s : settings) known_table |= s.table == table;
    if (!known_table || !t) {
      p.tell(table_node, table,
             known_table ? "want a table" : "unknown table (server, forward, iterative, upstream, clients, cache)");
      continue;
    }
    for (const auto& [key, node] : *t) {
      const std::string name = fmt::format("{}.{}", table, key.str());
      const setting* known = nullptr;
      for (const auto& s : settings)
        if (s.table == table && s.key == key.str()) known = &s;
      if (!known) {
        std::string known;
        for (const auto& s : settings)
          if (s.table == table) known += fmt::format("{}{}", known.empty() ? "" : ", ", s.key);
        p.tell(node, name, fmt::format("unknown key (known in [{}]: {})", table, known));
        continue;
      }
      known->read(node, p, name, out);
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& f : found) problems.push_back(std::move(f.second));
}

}  // namespace agora::dns
