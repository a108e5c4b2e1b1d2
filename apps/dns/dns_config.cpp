#include "dns_config.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace agora::dns {

config_error::config_error(std::vector<std::string> p)
    : std::runtime_error(p.empty() ? "bad configuration" : p.front()), problems(std::move(p)) {}

upstream_address parse_upstream(std::string_view text) {
  std::string_view host = text, port_text;
  if (text.starts_with('[')) {  // [v6]:port
    const auto close = text.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument(fmt::format("\"{}\": no ']' after the IPv6 address", text));
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) throw std::invalid_argument(fmt::format("\"{}\": want [ADDRESS]:PORT", text));
      port_text = rest.substr(1);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);  // one colon: v4:port (more: a bare IPv6 address)
    port_text = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) throw std::invalid_argument(fmt::format("\"{}\": \"{}\" is not an IP address", text, host));
  upstream_address out{address.to_string(), 53};
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (err != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535)
      throw std::invalid_argument(fmt::format("\"{}\": the port must be 1..65535", text));
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

void check_settings(const proxy_settings& s, std::vector<std::string>& problems) {
  if (s.upstreams.empty() && s.root_hints.empty())
    problems.push_back("no upstream: give --upstream HOST:PORT (forwarding) or --root-hints FILE (iterative)");
  if (!s.upstreams.empty() && !s.root_hints.empty())
    problems.push_back("both upstreams and root hints: forward (--upstream) or resolve iteratively (--root-hints), not both");
  if (s.cache.min_ttl > s.cache.max_ttl)
    problems.push_back(fmt::format("cache.min_ttl ({}) is above cache.max_ttl ({})", s.cache.min_ttl, s.cache.max_ttl));
  const auto attempts = s.upstream.attempt_timeout * static_cast<std::int64_t>(s.upstream.max_attempts);
  if (attempts >= s.clients.deadline)
    problems.push_back(fmt::format(
        "upstream.attempt_timeout_ms × upstream.max_attempts ({} ms) must be below clients.deadline_ms ({} ms): "
        "a question's attempts must end while its client still waits",
        attempts.count(), s.clients.deadline.count()));
  if (!s.root_hints.empty() && s.iterative.question_budget >= s.clients.deadline)
    problems.push_back(fmt::format("iterative.question_budget_ms ({} ms) must be below clients.deadline_ms ({} ms)",
                                   s.iterative.question_budget.count(), s.clients.deadline.count()));
  boost::system::error_code ec;
  boost::asio::ip::make_address(s.host, ec);
  if (ec) problems.push_back(fmt::format("host \"{}\" is not an IP address", s.host));
}

proxy_settings parse_command_line(int argc, char** argv) {
  CLI::App cli{"agora-dns: a caching DNS proxy built as a nested actor tree (docs/DNS.md)"};
  std::string host, config, root_hints;
  int port = -1;
  std::vector<std::string> upstreams;
  std::int64_t cache_bytes = -1, min_ttl = -1, max_ttl = -1;
  bool serve_stale = false, no_0x20 = false;
  cli.add_option("--port", port, "UDP and TCP port to serve (default 53; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  cli.add_option("--host", host, "local address to serve on (default 127.0.0.1)");
  cli.add_option("--upstream", upstreams, "forward to this server, HOST:PORT or [V6]:PORT (repeatable, tried in order)");
  cli.add_option("--root-hints", root_hints, "resolve iteratively from the root servers in this file (named.root format)");
  cli.add_option("--config", config, "a TOML file with every setting (the command line wins)");
  cli.add_option("--cache-bytes", cache_bytes, "bound on the cache's size (default 64 MiB)")->check(CLI::NonNegativeNumber);
  cli.add_option("--min-ttl", min_ttl, "raise cached TTLs to at least this (s)")->check(CLI::Range(0, 0x7fffffff));
  cli.add_option("--max-ttl", max_ttl, "lower cached TTLs to at most this (s, default 86400)")->check(CLI::Range(0, 0x7fffffff));
  cli.add_flag("--serve-stale", serve_stale, "serve expired answers when the upstreams fail (RFC 8767)");
  cli.add_flag("--no-0x20", no_0x20, "do not randomise the case of upstream query names");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(cli.exit(e));
  }

  proxy_settings s;
  std::vector<std::string> problems;
  if (!config.empty()) {
    std::ifstream in(config);
    if (!in) {
      problems.push_back(fmt::format("--config: cannot read {}", config));
    } else {
      std::stringstream text;
      text << in.rdbuf();
      read_dns_toml(text.str(), config, s, problems);
    }
  }
  if (port >= 0) s.port = static_cast<std::uint16_t>(port);
  if (!host.empty()) s.host = host;
  if (!upstreams.empty()) {
    s.upstreams.clear();
    for (const auto& u : upstreams) {
      try {
        s.upstreams.push_back(parse_upstream(u));
      } catch (const std::invalid_argument& e) {
        problems.push_back(fmt::format("--upstream: {}", e.what()));
      }
    }
  }
  if (!root_hints.empty()) s.root_hints = root_hints;
  if (cache_bytes >= 0) s.cache.max_bytes = static_cast<std::size_t>(cache_bytes);
  if (min_ttl >= 0) s.cache.min_ttl = static_cast<std::uint32_t>(min_ttl);
  if (max_ttl >= 0) s.cache.max_ttl = static_cast<std::uint32_t>(max_ttl);
  if (serve_stale) s.cache.serve_stale = true;
  if (no_0x20) s.upstream.use_0x20 = false;
  if (problems.empty()) check_settings(s, problems);
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "agora-dns: {}\n", p);
    std::exit(2);
  }
  return s;
}

}  // namespace agora::dns
