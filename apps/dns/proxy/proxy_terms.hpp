// The terms the actors of agora-dns exchange (docs/DNS.md, "Protocol"):
//
//   Q = dns.q(NAME, TYPE, CLASS)       a question: NAME its lower-case text
//                                      form ("www.example.com."), TYPE and
//                                      CLASS numbers
//   dns.answer(Q, RESULT)              question handler -> whoever subscribes
//                                      (a waiting client): RESULT is
//                                      reply(BYTES), the scrubbed upstream
//                                      reply, failure(RCODE, "why") or
//                                      busy("why")
//   dns.exchange(U, Q, TOKEN, RESULT)  one question asked of upstream U =
//                                      upstream(HOST, PORT): a subscriber's
//                                      interest starts it, its absence stops
//                                      it; RESULT as above
//   dns.upstream(U, STATE)             asserted by U's relay: up, or
//                                      down("why") after repeated timeouts
//
// Interest is the request: a client waiting for Q subscribes to
// dns.answer(Q, _), and the question dispatcher starts one handler per Q
// with subscribers; a handler subscribes to dns.exchange(U, Q, TOKEN, _),
// and U's relay starts a network query for it. Withdrawing interest
// cancels, all the way to the upstream socket.
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agora/term.hpp"
#include "codec/message.hpp"

namespace agora::dns {

/// dns.q(NAME, TYPE, CLASS) for `q`, its name lower-cased: one term per
/// question whatever the case the client used.
term question_term(const question& q);
/// The question of a dns.q term (name in its lower-case form), or nullopt.
std::optional<question> read_question_term(const term& t);

/// upstream(HOST, PORT).
term upstream_term(std::string_view host, std::uint16_t port);
struct upstream_address {
  std::string host;  // an IP literal
  std::uint16_t port = 53;
  friend bool operator==(const upstream_address&, const upstream_address&) = default;
};
std::optional<upstream_address> read_upstream_term(const term& t);

/// dns.answer(Q, _) and a message dns.answer(Q, RESULT).
term answer_topic(const term& q);
term answer_message(const term& q, term result);

/// dns.exchange(U, Q, TOKEN, _) and a message dns.exchange(U, Q, TOKEN, RESULT).
term exchange_topic(const term& upstream, const term& q, const term& token);
term exchange_message(const term& upstream, const term& q, const term& token, term result);
/// dns.exchange(U, _, _, _): what U's relay watches.
term exchange_topic_of(const term& upstream);

/// dns.upstream(U, STATE).
term upstream_state(const term& upstream, term state);

/// reply(BYTES); failure(RCODE, "why"): the upstreams failed (cached
/// briefly, RFC 9520); busy("why"): a limit of ours refused it (not cached).
term reply_result(std::string_view wire);
term failure_result(rcode code, std::string_view why);
term busy_result(std::string_view why);

/// DNS bytes as the codec takes them, and as terms and sockets take them.
inline std::span<const std::byte> wire_of(std::string_view bytes) {
  return {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()};
}
inline std::string_view chars_of(std::span<const std::byte> wire) {
  return {reinterpret_cast<const char*>(wire.data()), wire.size()};
}

/// What a RESULT says.
struct result_view {
  std::optional<std::string_view> reply;  // the reply's wire bytes
  rcode failure = rcode::servfail;        // when there is no reply
  std::string_view why;
  bool busy = false;                      // a limit of ours, not the upstreams
};
std::optional<result_view> read_result(const term& result);

}  // namespace agora::dns
