// delegation-book: the iterative mode's memory of zone cuts
// (resolve/zone_cuts.hpp), one actor in the proxy VM that the question
// handlers ask and teach by message:
//   dns.cut_query(NAME, TOKEN)        -> dns.cut(TOKEN, ZONE, SERVERS)
//   dns.learn_cut(ZONE, TTL, SERVERS)    a referral seen
//   dns.learn_address(HOST, ADDRESSES)   a glueless server's addresses
// SERVERS = [server(HOST, [ADDRESS, ...]), ...], names as text, addresses
// as IP text ("127.0.1.1"). It starts with the root servers of the hints.
#pragma once

#include <optional>
#include <vector>

#include "agora/actor.hpp"
#include "agora/term.hpp"
#include "proxy/proxy_settings.hpp"
#include "resolve/zone_cuts.hpp"

namespace agora::dns {

term servers_term(const std::vector<name_server>& servers);
std::optional<std::vector<name_server>> read_servers_term(const term& t);

term cut_query_message(const name& n, const term& token);
/// dns.cut(TOKEN, _, _): what the asker subscribes to.
term cut_topic(const term& token);
term learn_cut_message(const zone_cut& cut, std::uint32_t ttl);
term learn_address_message(const name& host, const std::vector<ip_address>& addresses);

actor_spec delegation_book(std::vector<name_server> roots, std::shared_ptr<const proxy_settings> settings);

}  // namespace agora::dns
