#include "proxy/delegation_book.hpp"

#include <boost/asio/ip/address.hpp>

#include <chrono>

namespace agora::dns {

namespace {

std::optional<ip_address> read_address(const term& t) {
  if (!t.is_string()) return std::nullopt;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(t.as_string()), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) return ip_address::v4(a.to_v4().to_bytes());
  return ip_address::v6(a.to_v6().to_bytes());
}

term addresses_term(const std::vector<ip_address>& addresses) {
  std::vector<term> out;
  for (const auto& a : addresses) out.emplace_back(a.to_text());
  return term::sequence(std::move(out));
}

std::optional<std::vector<ip_address>> read_addresses(const term& t) {
  if (!t.is_sequence()) return std::nullopt;
  std::vector<ip_address> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto a = read_address(t[i]);
    if (!a) return std::nullopt;
    out.push_back(*a);
  }
  return out;
}

std::optional<name> read_name(const term& t) {
  if (!t.is_string()) return std::nullopt;
  auto n = name::from_text(t.as_string());
  if (!n) return std::nullopt;
  return std::move(*n);
}

struct book_state {
  std::vector<name_server> roots;
  zone_cut_limits limits;
  std::shared_ptr<zone_cuts> cuts;  // made by cuts_of: each spawn has its own
};

using book_turn = turn<book_state>;

/// The zone cuts, made on first use (a message may come before on_start
/// has run, in a VM that delivers it first).
zone_cuts& cuts_of(book_turn& t) {
  auto& s = t.state;
  if (!s.cuts) s.cuts = std::make_shared<zone_cuts>(s.roots, s.limits);
  return *s.cuts;
}

}  // namespace

term servers_term(const std::vector<name_server>& servers) {
  std::vector<term> out;
  for (const auto& s : servers) out.push_back(rec("server", s.host.to_text(), addresses_term(s.addresses)));
  return term::sequence(std::move(out));
}

std::optional<std::vector<name_server>> read_servers_term(const term& t) {
  if (!t.is_sequence()) return std::nullopt;
  std::vector<name_server> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const term& s = t[i];
    if (!s.is_record("server", 2)) return std::nullopt;
    auto host = read_name(s[0]);
    auto addresses = read_addresses(s[1]);
    if (!host || !addresses) return std::nullopt;
    out.push_back({std::move(*host), std::move(*addresses)});
  }
  return out;
}

term cut_query_message(const name& n, const term& token) { return rec("dns.cut_query", n.to_text(), token); }
term cut_topic(const term& token) { return rec("dns.cut", token, _, _); }
term learn_cut_message(const zone_cut& cut, std::uint32_t ttl) {
  return rec("dns.learn_cut", cut.zone.to_text(), static_cast<std::int64_t>(ttl), servers_term(cut.servers));
}
term learn_address_message(const name& host, const std::vector<ip_address>& addresses) {
  return rec("dns.learn_address", host.to_text(), addresses_term(addresses));
}

actor_spec delegation_book(std::vector<name_server> roots, std::shared_ptr<const proxy_settings> settings) {
  book_state s{std::move(roots), zone_cut_limits{.max_zones = settings->iterative.max_zones}, nullptr};
  actor<book_state> a{std::move(s), "delegation-book"};
  a.on_start([](book_turn& t) { cuts_of(t); });
  a.subscribe(rec("dns.cut_query", _, _), {.on_message = [](book_turn& t, const agora::message& m) {
                const term& b = m.body();
                auto n = read_name(b[0]);
                if (!n) return;
                const zone_cut& cut = cuts_of(t).closest(*n, std::chrono::steady_clock::now());
                t.send(rec("dns.cut", b[1], cut.zone.to_text(), servers_term(cut.servers)));
              }});
  a.subscribe(rec("dns.learn_cut", _, _, _), {.on_message = [](book_turn& t, const agora::message& m) {
                const term& b = m.body();
                auto zone = read_name(b[0]);
                auto servers = read_servers_term(b[2]);
                if (!zone || !servers || !b[1].is_int() || b[1].as_int() < 0 || b[1].as_int() > 0x7fffffff) return;
                cuts_of(t).learn({std::move(*zone), std::move(*servers)}, static_cast<std::uint32_t>(b[1].as_int()),
                                    std::chrono::steady_clock::now());
              }});
  a.subscribe(rec("dns.learn_address", _, _), {.on_message = [](book_turn& t, const agora::message& m) {
                const term& b = m.body();
                auto host = read_name(b[0]);
                auto addresses = read_addresses(b[1]);
                if (host && addresses) cuts_of(t).learn_addresses(*host, *addresses);
              }});
  return a;
}

}  // namespace agora::dns
