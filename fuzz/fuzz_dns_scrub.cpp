// libFuzzer target for what agora-dns makes of an upstream's reply
// (apps/dns/resolve: reply_mismatch and scrub). The input is two bytes of
// choices, then the reply's wire:
//   byte 0: the bailiwick zone: bit 7 clear, qname with (byte % (labels+1))
//           labels taken off the left (so the root up to qname itself);
//           bit 7 set, the owner of record (byte & 0x7f) of the reply (or
//           the root if it has none), or that owner's parent when bit 6 is set;
//   byte 1: bits 0-3 max_cname_chain (15: the default 16); bit 4 asks a
//           question of the next type (so not the reply's); bit 5 asks it
//           in upper case (scrub takes any case).
// The question is the reply's own (the root, IN A if it has none).
// Checked for every reply that decodes:
//  - reply_mismatch accepts it for a query with its ID and question exactly
//    when QR is set, the opcode is QUERY and it has one question; refuses
//    it for another ID, or the question in another case;
//  - the kind agrees with the RCODE; header, questions and EDNS are kept;
//    lame, server_error and bad keep no records and say why, no other kind does;
//  - every kept record is inside the zone, of the question's class, with a
//    TTL <= 2^31-1; answers on the chain, SOA only for nxdomain/nodata and
//    above the final name, NS only the referral's, glue only for its
//    servers; a referral is for a zone strictly below `zone`;
//  - scrubbing the scrubbed reply changes nothing (same kind, chain and
//    referral unless the first scrub kept nothing);
//  - the scrubbed reply encodes and decodes back the same (or truncated,
//    TC set, when the names it came compressed with no longer fit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/query.hpp"
#include "dns_fuzz_checks.hpp"
#include "resolve/reply_check.hpp"
#include "resolve/scrub.hpp"

using namespace agora::dns;

namespace {

constexpr const char* target = "dns scrub";

[[noreturn]] void violation(const std::string& what) { dns_fuzz::violation(target, what); }

const resource_record* record_at(const message& m, std::size_t i) {
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals}) {
    if (i < section->size()) return &(*section)[i];
    i -= section->size();
  }
  return nullptr;
}

std::size_t record_count(const message& m) {
  return m.answers.size() + m.authorities.size() + m.additionals.size();
}

name zone_from(std::uint8_t choice, const name& qname, const message& reply) {
  if (!(choice & 0x80)) {
    name zone = qname;
    for (std::size_t drop = choice % (qname.label_count() + 1); drop > 0; --drop) zone = zone.parent();
    return zone;
  }
  const std::size_t count = record_count(reply);
  if (count == 0) return name::root();
  const name& owner = record_at(reply, (choice & 0x3f) % count)->owner;
  return choice & 0x40 ? owner.parent() : owner;
}

bool contains(const std::vector<name>& names, const name& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

void check_reply_mismatch(const message& reply) {
  if (reply.questions.size() != 1) {
    if (!reply_mismatch(make_query(reply.header.id, name::root(), rr_type::a), reply))
      violation("reply_mismatch accepts a reply without exactly one question");
    return;
  }
  const question& rq = reply.questions[0];
  message query = make_query(reply.header.id, rq.qname, rq.qtype);
  query.questions[0].qclass = rq.qclass;
  const bool should_match = reply.header.qr && reply.header.opcode == opcode::query;
  if (reply_mismatch(query, reply).has_value() == should_match)
    violation(should_match ? "reply_mismatch refuses a matching reply" : "reply_mismatch accepts a non-reply");
  query.header.id = static_cast<std::uint16_t>(reply.header.id + 1);
  if (!reply_mismatch(query, reply)) violation("reply_mismatch accepts another ID");
  query.header.id = reply.header.id;
  const name flipped = with_case_pattern(rq.qname, {~0ull, ~0ull, ~0ull, ~0ull});
  const name lower = rq.qname.lowercased();
  query.questions[0].qname = flipped.same_spelling(rq.qname) ? lower : flipped;
  if (!query.questions[0].qname.same_spelling(rq.qname) && !reply_mismatch(query, reply))
    violation("reply_mismatch accepts the question in another case");
}

void check_kind(const message& reply, const scrubbed_reply& s) {
  const rcode code = reply.full_rcode();
  const bool answerable = code == rcode::noerror || code == rcode::nxdomain;
  if (s.kind == reply_kind::server_error && answerable) violation("server_error for NOERROR or NXDOMAIN");
  if (!answerable && s.kind != reply_kind::server_error && s.kind != reply_kind::bad)
    violation("an error RCODE classified " + std::string(to_string(s.kind)));
  if (s.kind == reply_kind::nxdomain && code != rcode::nxdomain) violation("nxdomain without NXDOMAIN");
  if ((s.kind == reply_kind::answer || s.kind == reply_kind::nodata || s.kind == reply_kind::referral) &&
      code != rcode::noerror)
    violation(std::string(to_string(s.kind)) + " without NOERROR");
  if (!(s.reply.header == reply.header) || s.reply.questions != reply.questions || s.reply.edns != reply.edns)
    violation("the header, questions or EDNS changed");
  const bool keeps_nothing =
      s.kind == reply_kind::lame || s.kind == reply_kind::bad || s.kind == reply_kind::server_error;
  if (keeps_nothing && record_count(s.reply) != 0) violation("a lame, bad or server_error reply keeps records");
  if (keeps_nothing == s.why.empty()) violation("why empty for lame/bad/server_error, or set for another kind");
  if (s.kind == reply_kind::answer && s.reply.answers.empty()) violation("an answer with no records");
}

void check_records(const question& q, const name& zone, const scrubbed_reply& s) {
  if (s.chain.empty() || !(s.chain.front() == q.qname) || !(s.chain.back() == s.final_name))
    violation("the chain does not run from qname to final_name");
  for (const auto* section : {&s.reply.answers, &s.reply.authorities, &s.reply.additionals})
    for (const resource_record& r : *section) {
      if (!r.owner.is_subdomain_of(zone)) violation("kept outside the zone: " + r.owner.to_text());
      if (r.ttl > max_ttl) violation("a TTL above 2^31-1");
      if (r.rclass != q.qclass) violation("a record of another class");
    }
  for (const resource_record& r : s.reply.answers)
    if (r.type != rr_type::dname && !contains(s.chain, r.owner))
      violation("an answer record off the chain: " + r.owner.to_text());
  for (const resource_record& r : s.reply.authorities) {
    if (r.type == rr_type::soa) {
      if (s.kind != reply_kind::nxdomain && s.kind != reply_kind::nodata) violation("an SOA in a positive reply");
      if (!s.final_name.is_subdomain_of(r.owner)) violation("an SOA not above the final name");
    } else if (r.type == rr_type::ns) {
      if (s.kind != reply_kind::referral || !s.referral_zone || !(r.owner == *s.referral_zone))
        violation("an NS that is not the referral's");
    } else {
      violation("authority of type " + to_string(r.type));
    }
  }
  for (const resource_record& r : s.reply.additionals) {
    if (s.kind != reply_kind::referral) violation("additional records outside a referral");
    if (r.type != rr_type::a && r.type != rr_type::aaaa) violation("additional of type " + to_string(r.type));
    if (!contains(s.referral_servers, r.owner)) violation("glue for a name that is no kept NS");
  }
  if (s.glue.size() != s.reply.additionals.size()) violation("glue and the additional section differ");
  if (s.kind == reply_kind::referral) {
    if (!s.referral_zone || !s.referral_zone->is_subdomain_of(zone) || *s.referral_zone == zone)
      violation("a referral not strictly below the zone");
    if (!s.final_name.is_subdomain_of(*s.referral_zone)) violation("a referral not towards the name");
    if (!s.reply.answers.empty()) violation("a referral with answers");
  }
}

void check_idempotent(const question& q, const name& zone, const scrub_limits& limits, const scrubbed_reply& s) {
  const scrubbed_reply again = scrub(q, s.reply, zone, limits);
  if (!(again.reply == s.reply)) violation("scrubbing the scrubbed reply changed it");
  if (again.dropped != 0) violation("scrubbing the scrubbed reply dropped records");
  const bool keeps_nothing = s.kind == reply_kind::lame || s.kind == reply_kind::bad;
  if (keeps_nothing) return;  // e.g. a CNAME loop, once emptied, is nodata
  if (again.kind != s.kind)
    violation(std::string("scrubbing again changed the kind from ") + std::string(to_string(s.kind)) +
              " to " + std::string(to_string(again.kind)));
  if (again.chain != s.chain || again.referral_zone != s.referral_zone ||
      again.referral_servers != s.referral_servers || again.glue != s.glue)
    violation("scrubbing again changed the chain or the referral");
}

void check_round_trip(const message& m) {
  const auto wire = dns_fuzz::encode_documented(target, m);
  if (!wire) return;
  dns_fuzz::check_same_or_truncated(target, m, dns_fuzz::must_decode(target, *wire, "the scrubbed reply"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t zone_choice = data[0], options = data[1];
  const std::span<const std::byte> wire(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  auto decoded = decode(wire);
  if (!decoded) return 0;
  const message& reply = *decoded;
  check_reply_mismatch(reply);

  question q = reply.questions.size() == 1 ? reply.questions[0] : question{};
  if (options & 0x10) q.qtype = static_cast<rr_type>(static_cast<std::uint16_t>(q.qtype) + 1);
  if (options & 0x20) q.qname = with_case_pattern(q.qname, {~0ull, ~0ull, ~0ull, ~0ull});
  const name zone = zone_from(zone_choice, q.qname, reply);
  scrub_limits limits;
  if ((options & 0x0f) != 0x0f) limits.max_cname_chain = options & 0x0f;

  const scrubbed_reply s = scrub(q, reply, zone, limits);
  check_kind(reply, s);
  check_records(q, zone, s);
  if (s.chain.size() > limits.max_cname_chain + 1) violation("the chain is longer than the limit");
  check_idempotent(q, zone, limits, s);
  check_round_trip(s.reply);
  return 0;
}
