#include "resolve/scrub.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "resolve/answer_chain.hpp"
#include "resolve/authority.hpp"
#include "resolve/record_list.hpp"

namespace agora::dns {

namespace {

std::size_t record_count(const message& m) {
  return m.answers.size() + m.authorities.size() + m.additionals.size();
}

// The reply's header, questions and EDNS; sections empty.
message without_records(const message& reply) {
  message m;
  m.header = reply.header;
  m.questions = reply.questions;
  m.edns = reply.edns;
  return m;
}

// A kind that keeps no records: lame, server_error, bad.
scrubbed_reply refused(reply_kind kind, const question& q, const message& reply, std::string why) {
  scrubbed_reply s;
  s.kind = kind;
  s.reply = without_records(reply);
  s.final_name = q.qname;
  s.chain = {q.qname};
  s.dropped = record_count(reply);
  s.why = std::move(why);
  return s;
}

void keep_soa(scrubbed_reply& s, const message& reply, const name& zone, rr_class rclass) {
  if (const resource_record* soa = negative_soa(reply.authorities, s.final_name, zone, rclass))
    s.reply.authorities.push_back(with_rfc2181_ttl(*soa));
}

// Fills the referral's fields, its NS records and their glue.
void keep_referral(scrubbed_reply& s, const message& reply, const delegation& d, const name& zone,
                   rr_class rclass) {
  s.kind = reply_kind::referral;
  s.referral_zone = d.zone;
  record_list ns;
  for (const resource_record* r : d.ns) {
    const name server = *r->target_name();  // find_delegation took only NS with a name
    // Each server once, whatever the case of its name (rdata compares byte for byte).
    if (std::find(s.referral_servers.begin(), s.referral_servers.end(), server) != s.referral_servers.end())
      continue;
    ns.add(*r);
    s.referral_servers.push_back(server);
  }
  s.reply.authorities = std::move(ns).take();
  record_list glue;
  for (const resource_record* r : find_glue(reply.additionals, s.referral_servers, zone, rclass)) {
    const std::optional<ip_address> address = ip_address::from_record(*r);
    if (!address || !glue.add(*r)) continue;
    s.glue.emplace_back(r->owner, *address);
  }
  s.reply.additionals = std::move(glue).take();
}

}  // namespace

scrubbed_reply scrub(const question& q, const message& reply, const name& zone, const scrub_limits& limits) {
  if (reply.questions.size() != 1 || !(reply.questions[0] == q))
    return refused(reply_kind::bad, q, reply, "the reply's question is not the query's");
  const rcode code = reply.full_rcode();
  if (code != rcode::noerror && code != rcode::nxdomain)
    return refused(reply_kind::server_error, q, reply, fmt::format("the server answered {}", to_string(code)));
  if (!q.qname.is_subdomain_of(zone))
    return refused(reply_kind::lame, q, reply,
                   fmt::format("the question {} is outside the zone {}", q.qname.to_text(), zone.to_text()));

  answer_chain chain = follow_answer_chain(q, reply.answers, zone, limits.max_cname_chain);
  if (chain.end == chain_end::contradiction) return refused(reply_kind::bad, q, reply, std::move(chain.why));
  const bool nxdomain = code == rcode::nxdomain;
  if (chain.end == chain_end::records && nxdomain)
    return refused(reply_kind::bad, q, reply,
                   fmt::format("NXDOMAIN with {} records for {}", to_string(q.qtype), chain.names.back().to_text()));

  scrubbed_reply s;
  s.reply = without_records(reply);
  s.final_name = chain.names.back();
  s.chain = std::move(chain.names);
  s.reply.answers = std::move(chain.records);
  const bool chained = s.chain.size() > 1;

  switch (chain.end) {
    case chain_end::records:
      s.kind = reply_kind::answer;
      break;
    case chain_end::left_zone:
      // The server has no say beyond its zone: not even its NXDOMAIN.
      s.kind = reply_kind::cname;
      break;
    case chain_end::no_records:
      if (nxdomain) {
        s.kind = reply_kind::nxdomain;  // for the final name (RFC 6604)
        keep_soa(s, reply, zone, q.qclass);
        break;
      }
      if (negative_soa(reply.authorities, s.final_name, zone, q.qclass)) {
        s.kind = reply_kind::nodata;
        keep_soa(s, reply, zone, q.qclass);
        break;
      }
      if (chained) {
        s.kind = reply_kind::cname;  // an answer for the target is to be found elsewhere
        break;
      }
      if (!reply.header.aa) {
        if (auto d = find_delegation(reply.authorities, s.final_name, zone, q.qclass)) {
          keep_referral(s, reply, *d, zone, q.qclass);
          break;
        }
        std::string why = lame_referral_reason(reply.authorities, s.final_name, zone, q.qclass);
        if (!why.empty()) return refused(reply_kind::lame, q, reply, std::move(why));
      }
      s.kind = reply_kind::nodata;  // no SOA: the caller's default negative TTL applies
      break;
    case chain_end::contradiction:
      break;  // returned above
  }
  const std::size_t kept = record_count(s.reply) - chain.synthesized;
  s.dropped = record_count(reply) - kept;
  return s;
}

}  // namespace agora::dns
