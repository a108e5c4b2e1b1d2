#include "hostile_replies.hpp"

#include <stdexcept>

#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "zone_file.hpp"

namespace dns_process {

namespace dns = agora::dns;
using dns::name;
using dns::resource_record;
using dns::rr_type;

std::string to_string(upstream_mode m) {
  switch (m) {
    case upstream_mode::honest: return "honest";
    case upstream_mode::wrong_id: return "wrong_id";
    case upstream_mode::wrong_question: return "wrong_question";
    case upstream_mode::pointer_loop: return "pointer_loop";
    case upstream_mode::truncated_rr: return "truncated_rr";
    case upstream_mode::poison_additional: return "poison_additional";
    case upstream_mode::poison_answer: return "poison_answer";
    case upstream_mode::ttl_max: return "ttl_max";
    case upstream_mode::cname_self: return "cname_self";
    case upstream_mode::cname_loop: return "cname_loop";
    case upstream_mode::tc_then_tcp: return "tc_then_tcp";
    case upstream_mode::silent: return "silent";
    case upstream_mode::slow: return "slow";
    case upstream_mode::servfail: return "servfail";
    case upstream_mode::refused: return "refused";
  }
  return "mode " + std::to_string(static_cast<int>(m));
}

namespace {

name text_name(const std::string& text) {
  auto n = name::from_text(text);
  if (!n) throw std::invalid_argument("bad name '" + text + "': " + n.error().describe());
  return *n;
}

/// `label` + "." + `zone`
name under(const std::string& label, const name& zone) { return text_name(label + "." + zone.to_text()); }

resource_record txt_record(name owner, std::uint32_t ttl, const std::string& text) {
  return {std::move(owner), rr_type::txt, dns::rr_class::in, ttl, txt_rdata({text})};
}

resource_record poison_record() { return dns::make_a(text_name(poison_name), 86400, poison_address); }

/// The honest reply's header and question, no records.
dns::message reply_frame(const dns::message& query) {
  dns::message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.cd = query.header.cd;
  r.header.aa = true;
  r.header.ra = true;
  r.questions = query.questions;
  if (query.edns) r.edns = dns::edns{};  // 1232, version 0
  return r;
}

void set_all_ttls(dns::message& m, std::uint32_t ttl) {
  for (auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (auto& rr : *section) rr.ttl = ttl;
}

std::size_t size_limit(const dns::message& query, transport via) {
  return via == transport::udp ? dns::udp_reply_limit(query) : dns::max_message_size;
}

bytes encoded(const dns::message& reply, const dns::message& query, transport via) {
  return dns::encode(reply, {.max_size = size_limit(query, via), .compress = true});
}

void put16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v & 0xff));
}

/// Header (the query's ID, QR, RD, qd 1, an 1), the query's question, and
/// one A record whose owner is label "a" followed by a pointer back to
/// that label: a.a.a.... without end.
bytes pointer_loop_reply(const dns::message& query) {
  dns::message frame = reply_frame(query);
  frame.edns.reset();
  bytes out = dns::encode(frame, {.max_size = dns::max_message_size, .compress = false});
  out[7] = std::byte{1};  // ANCOUNT = 1 (header bytes 6-7)
  const std::size_t owner = out.size();
  if (owner >= 0x3fff) throw std::invalid_argument("question too long for a pointer loop");
  out.push_back(std::byte{1});
  out.push_back(static_cast<std::byte>('a'));
  put16(out, static_cast<std::uint16_t>(0xc000 | owner));  // back to the "a" label: a loop
  put16(out, 1);                                            // A
  put16(out, 1);                                            // IN
  put16(out, 0), put16(out, 300);                           // TTL
  put16(out, 4);                                            // rdlength
  for (auto b : upstream_www_a) out.push_back(static_cast<std::byte>(b));
  return out;
}

}  // namespace

answer_table default_table() {
  const name zone = text_name("upstream.test.");
  const name ns = under("ns", zone);
  answer_table t{zone, {}};
  t.records.push_back(dns::make_soa(zone, 300,
                                    {.mname = ns,
                                     .rname = under("hostmaster", zone),
                                     .serial = 1,
                                     .refresh = 3600,
                                     .retry = 600,
                                     .expire = 86400,
                                     .minimum = 300}));
  t.records.push_back(dns::make_name_record(zone, rr_type::ns, 300, ns));
  t.records.push_back(dns::make_a(ns, 300, {127, 0, 0, 1}));
  t.records.push_back(dns::make_a(under("www", zone), 300, upstream_www_a));
  t.records.push_back(
      dns::make_aaaa(under("www", zone), 300, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}));
  t.records.push_back(dns::make_a(under("mail", zone), 300, {192, 0, 2, 25}));
  t.records.push_back(txt_record(under("txt", zone), 300, "hostile upstream"));
  t.records.push_back(dns::make_name_record(under("alias", zone), rr_type::cname, 300, under("www", zone)));
  return t;
}

name decoy_name(const name& qname, const name& zone) {
  const name decoy = under("decoy", zone);
  return qname == decoy ? under("decoy2", zone) : decoy;
}

name loop_partner(const name& qname, const name& zone) {
  const name b = under("loop-b", zone);
  return qname == b ? under("loop-a", zone) : b;
}

dns::message honest_reply(const dns::message& query, const answer_table& table) {
  if (query.questions.size() != 1) return dns::make_error_reply(query, dns::rcode::formerr);
  const dns::question& q = query.questions.front();
  if (!q.qname.is_subdomain_of(table.zone)) return dns::make_error_reply(query, dns::rcode::refused);
  dns::message r = reply_frame(query);
  name current = q.qname;
  for (int hops = 0; hops <= 8; ++hops) {
    bool found = false;
    const resource_record* cname = nullptr;
    bool owner_exists = false;
    for (const auto& rr : table.records) {
      if (!(rr.owner == current)) continue;
      owner_exists = true;
      if (rr.type == q.qtype || q.qtype == rr_type::any) {
        r.answers.push_back(rr);
        found = true;
      } else if (rr.type == rr_type::cname) {
        cname = &rr;
      }
    }
    if (found) return r;
    if (cname) {
      r.answers.push_back(*cname);
      const auto target = cname->target_name();
      if (!target || !target->is_subdomain_of(table.zone)) return r;
      current = *target;
      continue;
    }
    // No data at `current`: NODATA if the name exists, else NXDOMAIN; the
    // zone's SOA tells how long to cache that (RFC 2308).
    if (!owner_exists) r.set_rcode(dns::rcode::nxdomain);
    for (const auto& rr : table.records)
      if (rr.type == rr_type::soa && rr.owner == table.zone) r.authorities.push_back(rr);
    return r;
  }
  return r;  // a CNAME chain longer than 8 in the table: what was found
}

std::optional<bytes> hostile_reply(const dns::message& query, upstream_mode mode, transport via,
                                   const answer_table& table) {
  if (query.questions.size() != 1 && mode != upstream_mode::silent)
    return encoded(dns::make_error_reply(query, dns::rcode::formerr), query, via);
  dns::message r = honest_reply(query, table);
  const name& qname = query.questions.empty() ? table.zone : query.questions.front().qname;
  switch (mode) {
    case upstream_mode::honest:
    case upstream_mode::slow:
      break;
    case upstream_mode::wrong_id:
      r.header.id = static_cast<std::uint16_t>(query.header.id + 1);
      break;
    case upstream_mode::wrong_question:
      r.questions.front().qname = decoy_name(qname, table.zone);
      break;
    case upstream_mode::pointer_loop:
      return pointer_loop_reply(query);
    case upstream_mode::truncated_rr: {
      r.edns.reset();  // so that the last record is a real one
      if (r.answers.empty() && r.authorities.empty()) r.answers.push_back(dns::make_a(qname, 300, upstream_www_a));
      bytes out = dns::encode(r, {.max_size = dns::max_message_size, .compress = true});
      out.erase(out.end() - 2, out.end());  // the counts still promise the whole record
      return out;
    }
    case upstream_mode::poison_additional:
      r.additionals.push_back(poison_record());
      break;
    case upstream_mode::poison_answer:
      r.answers.push_back(poison_record());
      break;
    case upstream_mode::ttl_max:
      set_all_ttls(r, 0xffffffff);
      break;
    case upstream_mode::cname_self:
      r = reply_frame(query);
      r.answers.push_back(dns::make_name_record(qname, rr_type::cname, 300, qname));
      break;
    case upstream_mode::cname_loop: {
      r = reply_frame(query);
      const name partner = loop_partner(qname, table.zone);
      r.answers.push_back(dns::make_name_record(qname, rr_type::cname, 300, partner));
      r.answers.push_back(dns::make_name_record(partner, rr_type::cname, 300, qname));
      break;
    }
    case upstream_mode::tc_then_tcp:
      if (via == transport::udp) {
        r = reply_frame(query);
        r.header.tc = true;
      }
      break;
    case upstream_mode::silent:
      return std::nullopt;
    case upstream_mode::servfail:
      r = dns::make_error_reply(query, dns::rcode::servfail);
      break;
    case upstream_mode::refused:
      r = dns::make_error_reply(query, dns::rcode::refused);
      break;
  }
  return encoded(r, query, via);
}

}  // namespace dns_process
