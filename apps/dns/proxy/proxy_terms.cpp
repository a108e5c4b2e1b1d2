#include "proxy/proxy_terms.hpp"

namespace agora::dns {

term question_term(const question& q) {
  return rec("dns.q", q.qname.lowercased().to_text(), static_cast<std::int64_t>(q.qtype),
             static_cast<std::int64_t>(q.qclass));
}

std::optional<question> read_question_term(const term& t) {
  if (!t.is_record("dns.q", 3) || !t[0].is_string() || !t[1].is_int() || !t[2].is_int()) return std::nullopt;
  const auto type = t[1].as_int(), klass = t[2].as_int();
  if (type < 0 || type > 0xffff || klass < 0 || klass > 0xffff) return std::nullopt;
  auto n = name::from_text(t[0].as_string());
  if (!n) return std::nullopt;
  return question{std::move(*n), static_cast<rr_type>(type), static_cast<rr_class>(klass)};
}

term upstream_term(std::string_view host, std::uint16_t port) {
  return rec("upstream", term(host), static_cast<std::int64_t>(port));
}

std::optional<upstream_address> read_upstream_term(const term& t) {
  if (!t.is_record("upstream", 2) || !t[0].is_string() || !t[1].is_int()) return std::nullopt;
  if (t[1].as_int() < 1 || t[1].as_int() > 65535) return std::nullopt;
  return upstream_address{std::string(t[0].as_string()), static_cast<std::uint16_t>(t[1].as_int())};
}

term answer_topic(const term& q) { return rec("dns.answer", q, _); }
term answer_message(const term& q, term result) { return rec("dns.answer", q, std::move(result)); }

term exchange_topic(const term& upstream, const term& q, const term& token) {
  return rec("dns.exchange", upstream, q, token, _);
}
term exchange_message(const term& upstream, const term& q, const term& token, term result) {
  return rec("dns.exchange", upstream, q, token, std::move(result));
}
term exchange_topic_of(const term& upstream) { return rec("dns.exchange", upstream, _, _, _); }

term upstream_state(const term& upstream, term state) {
  return rec("dns.upstream", upstream, std::move(state));
}

term reply_result(std::string_view wire) { return rec("reply", term::bytes(wire)); }
term failure_result(rcode code, std::string_view why) {
  return rec("failure", static_cast<std::int64_t>(code), term(why));
}

term busy_result(std::string_view why) { return rec("busy", term(why)); }

std::optional<result_view> read_result(const term& result) {
  if (result.is_record("busy", 1) && result[0].is_string())
    return result_view{std::nullopt, rcode::servfail, result[0].as_string(), true};
  if (result.is_record("reply", 1) && result[0].is_bytes()) return result_view{result[0].as_bytes(), rcode::servfail, {}, false};
  if (result.is_record("failure", 2) && result[0].is_int() && result[1].is_string()) {
    const auto code = result[0].as_int();
    if (code < 0 || code > 0xfff) return std::nullopt;
    return result_view{std::nullopt, static_cast<rcode>(code), result[1].as_string()};
  }
  return std::nullopt;
}

}  // namespace agora::dns
