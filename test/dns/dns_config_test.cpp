// agora-dns's configuration (apps/dns/dns_config.hpp): upstream addresses,
// the TOML layout, and what is refused with which message.
#include <doctest/doctest.h>

#include "dns_config.hpp"

using namespace agora::dns;

TEST_CASE("dns config: upstream addresses, with and without ports, v4 and v6") {
  CHECK(parse_upstream("127.0.0.1:5300") == upstream_address{"127.0.0.1", 5300});
  CHECK(parse_upstream("127.0.0.1") == upstream_address{"127.0.0.1", 53});
  CHECK(parse_upstream("[::1]:5301") == upstream_address{"::1", 5301});
  CHECK(parse_upstream("::1") == upstream_address{"::1", 53});
  CHECK(parse_upstream("[2001:DB8::1]") == upstream_address{"2001:db8::1", 53});
  for (const char* bad : {"localhost:53", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:5x", "[::1", "[::1]5300", ""}) {
    CHECK_THROWS_AS(parse_upstream(bad), std::invalid_argument);
  }
  try {
    parse_upstream("dns.example:53");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "\"dns.example:53\": \"dns.example\" is not an IP address");
  }
}

TEST_CASE("dns config: the TOML layout sets every table") {
  proxy_settings s;
  std::vector<std::string> problems;
  read_dns_toml(R"(
[server]
host = "::1"
port = 5353
[forward]
upstreams = ["127.0.0.1:5300", "[::1]:5301"]
[upstream]
attempt_timeout_ms = 700
max_attempts = 3
max_outstanding = 64
use_0x20 = false
[clients]
deadline_ms = 2500
error_replies_per_second = 12.5
max_tcp_clients = 9
[cache]
max_bytes = 1048576
min_ttl = 5
max_ttl = 3600
serve_stale = true
stale_after_ms = 900
)",
                "dns.toml", s, problems);
  CHECK(problems.empty());
  CHECK(s.host == "::1");
  CHECK(s.port == 5353);
  REQUIRE(s.upstreams.size() == 2);
  CHECK(s.upstreams[1] == upstream_address{"::1", 5301});
  CHECK(s.upstream.attempt_timeout == std::chrono::milliseconds(700));
  CHECK(s.upstream.max_attempts == 3);
  CHECK(s.upstream.max_outstanding == 64);
  CHECK(!s.upstream.use_0x20);
  CHECK(s.clients.deadline == std::chrono::milliseconds(2500));
  CHECK(s.clients.error_replies_per_second == 12.5);
  CHECK(s.clients.max_tcp_clients == 9);
  CHECK(s.cache.max_bytes == 1048576);
  CHECK(s.cache.min_ttl == 5);
  CHECK(s.cache.max_ttl == 3600);
  CHECK(s.cache.serve_stale);
  CHECK(s.clients.stale_after == std::chrono::milliseconds(900));
}

TEST_CASE("dns config: wrong types, ranges, keys and syntax are each told with their line") {
  proxy_settings s;
  std::vector<std::string> problems;
  read_dns_toml(R"([server]
port = 70000
[cache]
max_ttl = "long"
colour = 3
[forward]
upstreams = ["nowhere:53"]
[nonsense]
x = 1
)",
                "dns.toml", s, problems);
  REQUIRE(problems.size() == 5);
  CHECK(problems[0] == "dns.toml:2: server.port: 70000 is out of range [0, 65535]");
  CHECK(problems[1] == "dns.toml:4: cache.max_ttl: want an integer");
  CHECK(problems[2] == "dns.toml:5: cache.colour: unknown key (known in [cache]: max_bytes, min_ttl, max_ttl, "
                       "max_negative_ttl, servfail_ttl, serve_stale, max_stale, stale_ttl, stale_after_ms)");
  CHECK(problems[3] == "dns.toml:7: forward.upstreams: \"nowhere:53\": \"nowhere\" is not an IP address");
  CHECK(problems[4] ==
        "dns.toml:8: nonsense: unknown table (server, forward, iterative, upstream, clients, cache)");
  CHECK(s.port == 53);  // untouched by a refused value
  problems.clear();
  read_dns_toml("[server\nport = 1", "broken.toml", s, problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("broken.toml:1:"));
}

TEST_CASE("dns config: settings that cannot work together are refused, each said") {
  proxy_settings s;
  std::vector<std::string> problems;
  check_settings(s, problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "no upstream: give --upstream HOST:PORT (forwarding) or --root-hints FILE (iterative)");
  s.upstreams = {upstream_address{"127.0.0.1", 53}};
  problems.clear();
  check_settings(s, problems);
  CHECK(problems.empty());  // the defaults work together
  s.root_hints = "root.hints";
  s.cache.min_ttl = 10;
  s.cache.max_ttl = 5;
  s.upstream.attempt_timeout = std::chrono::milliseconds(2000);
  s.host = "localhost";
  problems.clear();
  check_settings(s, problems);
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].starts_with("both upstreams and root hints"));
  CHECK(problems[1] == "cache.min_ttl (10) is above cache.max_ttl (5)");
  CHECK(problems[2].starts_with("upstream.attempt_timeout_ms × upstream.max_attempts (6000 ms) must be below "
                                "clients.deadline_ms (4000 ms)"));
  CHECK(problems[3] == "host \"localhost\" is not an IP address");
}
