// What agora-dns is told: where it listens, whom it asks, the cache's
// policy and the limits that keep it serving under bad input and floods.
// Filled from the TOML file and the command line (dns_config.hpp); the
// defaults are the documented ones (docs/DNS.md, "Configuration").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cache/answer_cache.hpp"
#include "proxy/proxy_terms.hpp"

namespace agora::dns {

struct upstream_settings {
  /// Time to wait for one upstream's reply before trying the next.
  std::chrono::milliseconds attempt_timeout{1000};
  /// Exchanges a question may start, over all upstreams in turn (≥ 1).
  /// All of them together must end before the client's deadline, so that
  /// a failure is known (and cached) while the client still waits.
  std::size_t max_attempts = 3;
  /// Exchanges in flight per upstream; more are refused at once.
  std::size_t max_outstanding = 512;
  /// Timeouts in a row after which an upstream is taken as down...
  std::size_t down_after_timeouts = 5;
  /// ...for this long: asked questions fail at once meanwhile.
  std::chrono::milliseconds down_for{5000};
  /// Randomise the query name's case (0x20) and check it on the reply.
  bool use_0x20 = true;
  /// The EDNS UDP size advertised upstream.
  std::uint16_t edns_size = 1232;
  /// RD in upstream queries: set when forwarding to a recursive server,
  /// clear when asking authoritative servers (iterative mode).
  bool recursion_desired = true;
};

/// Budgets of the iterative mode: what one question may cost, whatever the
/// servers answer (endless delegation chains, CVE-2014-8602; CNAME loops
/// across zones; glueless servers whose names need glueless servers).
struct iterative_settings {
  /// A question's resolution ends (SERVFAIL) after this long; below the
  /// client's deadline so that the failure is cached while it waits.
  std::chrono::milliseconds question_budget{3000};
  std::size_t max_referrals = 16;  // referrals followed per question
  std::size_t max_cnames = 8;      // CNAME/DNAME steps per question
  std::size_t max_glueless = 4;    // server names resolved per question
  std::size_t max_zones = 10'000;  // zone cuts remembered
  /// The port authoritative servers are asked on (53; tests may move it).
  std::uint16_t server_port = 53;
  /// A relay to a server that was not asked for this long ends.
  std::chrono::milliseconds relay_idle{30000};
};

struct client_settings {
  /// A client's question unanswered this long gets SERVFAIL (or a stale
  /// answer, with serve-stale).
  std::chrono::milliseconds deadline{4000};
  /// With serve-stale: how long a client waits for a fresh answer before a
  /// stale one is served (RFC 8767 suggests 1.8 s).
  std::chrono::milliseconds stale_after{1800};
  /// Distinct questions being resolved at once; beyond it, SERVFAIL at once.
  std::size_t max_questions_in_flight = 2048;
  /// Clients waiting at once (all questions); beyond it, SERVFAIL at once.
  std::size_t max_waiting_clients = 8192;
  /// Error replies (FORMERR, NOTIMP, BADVERS, REFUSED) per second, burst as
  /// many; the rest are dropped.
  double error_replies_per_second = 100;
  /// Log lines about bad input per second (the rest are counted).
  double log_lines_per_second = 5;
  /// TCP clients at once, and how long an idle one is kept.
  std::size_t max_tcp_clients = 256;
  std::chrono::milliseconds tcp_idle{10000};
  /// The EDNS UDP size advertised to clients, the most a UDP reply takes.
  std::uint16_t edns_size = 1232;
  /// SO_RCVBUF of the client socket: bursts fit (the kernel caps it).
  std::size_t receive_buffer_bytes = 4u << 20;
};

struct proxy_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 53;
  std::vector<upstream_address> upstreams;  // forwarding mode
  std::string root_hints;                   // iterative mode: a root hints file
  cache_policy cache;
  upstream_settings upstream;
  iterative_settings iterative;
  client_settings clients;
};

}  // namespace agora::dns
