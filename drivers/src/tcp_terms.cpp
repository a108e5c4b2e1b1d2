// Reading and building the TCP driver's terms.
#include "tcp_terms.hpp"

#include <boost/asio/error.hpp>
#include <fmt/format.h>

#include "agora/drivers/tcp.hpp"

namespace agora::tcp {

namespace asio = boost::asio;

// ---- builders (tcp.hpp) -------------------------------------------------------

term listen_on(std::string_view host, std::uint16_t port, term framing) {
  return rec("tcp.listen", host, static_cast<std::int64_t>(port), std::move(framing));
}

term listen_on(std::string_view host, std::uint16_t port, term framing,
               std::initializer_list<std::string_view> allow) {
  std::vector<term> hosts;
  for (auto h : allow) hosts.emplace_back(h);
  return rec("tcp.listen", host, static_cast<std::int64_t>(port), std::move(framing),
             term::sequence(std::move(hosts)));
}

term listen_on(std::string_view host, std::uint16_t port, term framing,
               std::span<const std::string> allow) {
  std::vector<term> hosts;
  for (auto& h : allow) hosts.emplace_back(h);
  return rec("tcp.listen", host, static_cast<std::int64_t>(port), std::move(framing),
             term::sequence(std::move(hosts)));
}

term reconnect(std::chrono::milliseconds interval, std::chrono::milliseconds max) {
  return rec("reconnect", static_cast<std::int64_t>(interval.count()),
             static_cast<std::int64_t>(max.count()));
}

term connect_to(std::string_view host, std::uint16_t port, term framing) {
  return rec("tcp.connect", host, static_cast<std::int64_t>(port), std::move(framing));
}

term connect_to(std::string_view host, std::uint16_t port, term framing, term reconnect_policy) {
  return rec("tcp.connect", host, static_cast<std::int64_t>(port), std::move(framing),
             std::move(reconnect_policy));
}

std::optional<std::uint16_t> listening_port(const term& state) {
  if (!state.is_record("listening", 1) || !state[0].is_int()) return std::nullopt;
  const auto p = state[0].as_int();
  if (p < 0 || p > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(p);
}

std::optional<peer_address> read_peer(const term& peer) {
  if (!peer.is_record("peer", 2) || !peer[0].is_string() || !peer[1].is_int()) return std::nullopt;
  const auto p = peer[1].as_int();
  if (p < 0 || p > 65535) return std::nullopt;
  return peer_address{std::string(peer[0].as_string()), static_cast<std::uint16_t>(p)};
}

namespace detail {

// ---- reading ------------------------------------------------------------------

namespace {

std::optional<std::uint16_t> read_port(const term& t, std::int64_t lowest) {
  if (!t.is_int() || t.as_int() < lowest || t.as_int() > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(t.as_int());
}

std::optional<asio::ip::address> read_address(const term& t) {
  if (!t.is_string()) return std::nullopt;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(t.as_string()), ec);
  if (ec) return std::nullopt;
  return normalized(a);
}

}  // namespace

bool listen_spec::allows(const asio::ip::address& remote) const {
  if (!restricted) return true;
  const auto r = normalized(remote);
  for (const auto& a : allow)
    if (a == r) return true;
  return false;
}

checked<listen_spec> read_listen(const term& t) {
  const char* want = "want tcp.listen(HOST, PORT, FRAMING) or tcp.listen(HOST, PORT, FRAMING, "
                     "[ALLOWED_HOST, ...]) with HOST an IP address literal, PORT in 0..65535 "
                     "and FRAMING raw(MAX), lines(MAX) or frames(MAX)";
  if (!t.is_record("tcp.listen") || t.size() < 3 || t.size() > 4) return {{}, want};
  listen_spec s;
  auto a = t[0].is_string() ? read_address(t[0]) : std::nullopt;
  auto p = read_port(t[1], 0);
  auto f = read_framing(t[2]);
  if (!a) return {{}, fmt::format("HOST must be an IP address literal, got {}", t[0].to_string())};
  if (!p) return {{}, fmt::format("PORT must be an integer in 0..65535, got {}", t[1].to_string())};
  if (!f)
    return {{}, fmt::format("FRAMING must be raw(MAX), lines(MAX) or frames(MAX) with MAX in "
                            "1..{}, got {}",
                            max_framing_limit, t[2].to_string())};
  s.address = *a;
  s.port = *p;
  s.frame = *f;
  if (t.size() == 4) {
    if (!t[3].is_sequence()) return {{}, fmt::format("ALLOW must be a sequence of IP address literals, got {}", t[3].to_string())};
    s.restricted = true;
    for (const term& h : t[3].items()) {
      auto ha = read_address(h);
      if (!ha) return {{}, fmt::format("ALLOW must hold IP address literals, got {}", h.to_string())};
      s.allow.push_back(*ha);
    }
  }
  return {std::move(s), {}};
}

checked<connect_spec> read_connect(const term& t) {
  const char* want = "want tcp.connect(HOST, PORT, FRAMING) or tcp.connect(HOST, PORT, FRAMING, "
                     "reconnect(INTERVAL_MS, MAX_MS))";
  if (!t.is_record("tcp.connect") || t.size() < 3 || t.size() > 4) return {{}, want};
  connect_spec s;
  if (!t[0].is_string() || t[0].as_string().empty())
    return {{}, fmt::format("HOST must be a non-empty string, got {}", t[0].to_string())};
  auto p = read_port(t[1], 1);
  if (!p) return {{}, fmt::format("PORT must be an integer in 1..65535, got {}", t[1].to_string())};
  auto f = read_framing(t[2]);
  if (!f)
    return {{}, fmt::format("FRAMING must be raw(MAX), lines(MAX) or frames(MAX) with MAX in "
                            "1..{}, got {}",
                            max_framing_limit, t[2].to_string())};
  s.host = std::string(t[0].as_string());
  s.port = *p;
  s.frame = *f;
  if (t.size() == 4) {
    const term& r = t[3];
    constexpr std::int64_t day_ms = 86'400'000;
    if (!r.is_record("reconnect", 2) || !r[0].is_int() || !r[1].is_int() || r[0].as_int() < 1 ||
        r[1].as_int() < r[0].as_int() || r[1].as_int() > day_ms)
      return {{}, fmt::format("want reconnect(INTERVAL_MS, MAX_MS) with 1 <= INTERVAL_MS <= "
                              "MAX_MS <= {}, got {}",
                              day_ms, r.to_string())};
    s.reconnect = reconnect_spec{std::chrono::milliseconds(r[0].as_int()),
                                 std::chrono::milliseconds(r[1].as_int())};
  }
  return {std::move(s), {}};
}

term peer_term(const asio::ip::address& a, std::uint16_t port) {
  return rec("peer", normalized(a).to_string(), static_cast<std::int64_t>(port));
}

// ---- reasons ------------------------------------------------------------------

term reason_eof() { return sym("eof"); }
term reason_reset() { return sym("reset"); }
term reason_timeout() { return sym("timeout"); }
term reason_closed() { return sym("closed"); }
term reason_too_long(std::string_view what) { return rec("too_long", what); }
term reason_too_slow(std::string_view what) { return rec("too_slow", what); }
term reason_error(std::string_view what) { return rec("error", what); }

term reason_for(const boost::system::error_code& ec) {
  if (ec == asio::error::eof) return reason_eof();
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::connection_aborted)
    return reason_reset();
  return reason_error(ec.message());
}

}  // namespace detail
}  // namespace agora::tcp
