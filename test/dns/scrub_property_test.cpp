// scrub() on random replies built from a small vocabulary of names, types
// and TTLs (seeded: the same cases every run): whatever the upstream
// sends, every record kept is inside the zone, came from the reply (or is
// the CNAME a kept DNAME makes), and sits on the chain, at a kept NS, or
// is glue of a kept NS; and scrubbing a scrubbed reply changes nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>

#include "resolve/dname.hpp"
#include "resolve/scrub.hpp"
#include "scrub_records.hpp"

using namespace agora::dns;
using namespace scrub_test;

namespace {

constexpr std::array names_used{".",
                                "com.",
                                "example.com.",
                                "www.example.com.",
                                "WEB.example.com.",
                                "sub.example.com.",
                                "ns.sub.example.com.",
                                "x.sub.example.com.",
                                "ns1.example.com.",
                                "org.",
                                "evil.org.",
                                "ns.evil.org.",
                                "x.evil.org."};
constexpr std::array zones{".", "com.", "example.com.", "sub.example.com."};
constexpr std::array record_types{rr_type::a,     rr_type::aaaa, rr_type::cname, rr_type::ns,
                                  rr_type::soa,   rr_type::dname, rr_type::mx,   rr_type::txt};
constexpr std::array question_types{rr_type::a, rr_type::aaaa, rr_type::cname, rr_type::ns, rr_type::mx,
                                    rr_type::soa, rr_type::any};
constexpr std::array ttls{0u, 300u, 0x7fffffffu, 0x80000000u, 0xffffffffu};

class reply_maker {
 public:
  explicit reply_maker(std::uint32_t seed) : random_(seed) {}

  template <class Array>
  const auto& pick(const Array& a) {
    return a[std::uniform_int_distribution<std::size_t>(0, a.size() - 1)(random_)];
  }
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  // Half the records are about qname or a name above it, so that chains,
  // referrals and negative answers come up often.
  resource_record record(const name& qname) {
    const name owner = below(2) == 0 ? ancestor_of(qname) : dn(pick(names_used));
    const std::uint32_t ttl = pick(ttls);
    const name target = dn(pick(names_used));
    resource_record r;
    switch (pick(record_types)) {
      case rr_type::a: r = make_a(owner, ttl, {192, 0, 2, static_cast<std::uint8_t>(below(3))}); break;
      case rr_type::aaaa: r = aaaa_rr(owner.to_text(), static_cast<std::uint8_t>(below(3)), ttl); break;
      case rr_type::cname: r = make_name_record(owner, rr_type::cname, ttl, target); break;
      case rr_type::ns: r = make_name_record(owner, rr_type::ns, ttl, target); break;
      case rr_type::soa: r = soa_rr(owner.to_text(), ttl); break;
      case rr_type::dname: r = make_name_record(owner, rr_type::dname, ttl, target); break;
      case rr_type::mx: r = make_mx(owner, ttl, {10, target}); break;
      default:
        r = {owner, rr_type::txt, rr_class::in, ttl, {std::byte{2}, std::byte{'h'}, std::byte{'i'}}};
        break;
    }
    if (below(30) == 0) r.rclass = rr_class::ch;
    return r;
  }

  name ancestor_of(name n) {
    for (int up = below(static_cast<int>(n.label_count()) + 1); up > 0; --up) n = n.parent();
    return n;
  }

  std::vector<resource_record> section(const name& qname, int most) {
    std::vector<resource_record> out(static_cast<std::size_t>(below(most + 1)));
    for (auto& r : out) r = record(qname);
    return out;
  }

  message reply(const question& q) {
    const int roll = below(20);
    const rcode code = roll < 12 ? rcode::noerror : roll < 17 ? rcode::nxdomain : rcode::servfail;
    message m = reply_to(below(50) == 0 ? question{dn(pick(names_used)), q.qtype} : q, code, below(2) == 0);
    m.answers = section(q.qname, 6);
    m.authorities = section(q.qname, 4);
    m.additionals = section(q.qname, 4);
    return m;
  }

 private:
  std::mt19937 random_;
};

bool contains(const std::vector<name>& names, const name& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// Did `r` come from `original` (its TTL clamped), or is it the CNAME a
// kept DNAME makes for a chain name?
bool has_a_source(const resource_record& r, const message& original, const scrubbed_reply& s) {
  for (const auto* section : {&original.answers, &original.authorities, &original.additionals})
    for (const resource_record& o : *section)
      if (o.owner.same_spelling(r.owner) && o.type == r.type && o.rclass == r.rclass && o.rdata == r.rdata &&
          o.effective_ttl() == r.ttl)
        return true;
  if (r.type != rr_type::cname) return false;
  for (const resource_record& d : s.reply.answers)
    if (d.type == rr_type::dname && substitute_dname(r.owner, d.owner, *d.target_name()) == r.target_name())
      return true;
  return false;
}

// The first rule the scrubbed reply breaks, or "".
std::string violation(const question& q, const message& original, const name& zone, const scrubbed_reply& s) {
  if (s.chain.empty() || !(s.chain.front() == q.qname) || !(s.chain.back() == s.final_name))
    return "the chain does not run from qname to final_name";
  if (s.chain.size() > scrub_limits{}.max_cname_chain + 1) return "the chain is too long";
  const bool keeps_nothing =
      s.kind == reply_kind::lame || s.kind == reply_kind::bad || s.kind == reply_kind::server_error;
  if (keeps_nothing && !(s.reply.answers.empty() && s.reply.authorities.empty() && s.reply.additionals.empty()))
    return "a lame, bad or server_error reply keeps records";
  if (keeps_nothing == s.why.empty()) return "why is empty for lame/bad/server_error, or set for another kind";

  for (const auto* section : {&s.reply.answers, &s.reply.authorities, &s.reply.additionals})
    for (const resource_record& r : *section) {
      if (!r.owner.is_subdomain_of(zone)) return "kept outside the zone: " + r.owner.to_text();
      if (r.ttl > max_ttl) return "a TTL above 2^31-1";
      if (r.rclass != q.qclass) return "a record of another class";
      if (!has_a_source(r, original, s)) return "a record from nowhere at " + r.owner.to_text();
    }
  for (const resource_record& r : s.reply.answers) {
    const bool of_qtype = r.type == q.qtype || q.qtype == rr_type::any;
    if (of_qtype && r.owner == s.final_name) {
      continue;  // the answer itself
    } else if (r.type == rr_type::dname) {
      const bool above_chain = std::any_of(s.chain.begin(), s.chain.end(), [&](const name& n) {
        return n.is_subdomain_of(r.owner) && !(n == r.owner);
      });
      if (!above_chain) return "a DNAME above no chain name";
    } else if (!contains(s.chain, r.owner)) {
      return "an answer record off the chain: " + r.owner.to_text();
    } else if (r.type == rr_type::cname) {
      const auto at = std::find(s.chain.begin(), s.chain.end(), r.owner);
      if (at + 1 == s.chain.end() || !(*(at + 1) == *r.target_name())) return "a CNAME not to the next chain name";
    } else {
      return "a record of another type on the chain: " + to_string(r.type);
    }
  }
  for (const resource_record& r : s.reply.authorities) {
    if (r.type == rr_type::soa) {
      if (s.kind != reply_kind::nxdomain && s.kind != reply_kind::nodata) return "an SOA in a positive reply";
      if (!s.final_name.is_subdomain_of(r.owner)) return "an SOA not above the final name";
    } else if (r.type == rr_type::ns) {
      if (s.kind != reply_kind::referral || !s.referral_zone || !(r.owner == *s.referral_zone))
        return "an NS that is not the referral's";
      if (r.owner == zone || !s.final_name.is_subdomain_of(r.owner)) return "a referral not down towards the name";
    } else {
      return "authority of type " + to_string(r.type);
    }
  }
  for (const resource_record& r : s.reply.additionals) {
    if (s.kind != reply_kind::referral) return "additional records outside a referral";
    if (r.type != rr_type::a && r.type != rr_type::aaaa) return "additional of type " + to_string(r.type);
    if (!contains(s.referral_servers, r.owner)) return "glue for a name that is no kept NS";
  }
  if (s.glue.size() != s.reply.additionals.size()) return "glue and the additional section differ";
  if (s.kind == reply_kind::answer && s.reply.answers.empty()) return "an answer with no records";
  if (s.kind == reply_kind::referral && (!s.reply.answers.empty() || original.header.aa))
    return "a referral with answers or AA";

  // Scrubbing again changes nothing.
  const scrubbed_reply again = scrub(q, s.reply, zone);
  if (!(again.reply == s.reply)) return "scrubbing the scrubbed reply changed it";
  if (again.dropped != 0) return "scrubbing the scrubbed reply dropped records";
  if (!keeps_nothing || s.kind == reply_kind::server_error) {
    if (again.kind != s.kind) return "scrubbing again changed the kind";
    if (again.chain != s.chain || again.referral_zone != s.referral_zone ||
        again.referral_servers != s.referral_servers || again.glue != s.glue)
      return "scrubbing again changed the chain or the referral";
  }
  return "";
}

}  // namespace

TEST_CASE("scrub property: random replies keep only zone, chain, NS and glue records, and scrub is idempotent") {
  constexpr int cases = 5000;
  std::map<reply_kind, int> seen;
  reply_maker make(20261201);
  int failures = 0;
  for (int i = 0; i < cases; ++i) {
    const name zone = dn(make.pick(zones));
    // Mostly names inside the zone (the resolver asks a server about its zone).
    name qname = dn(make.pick(names_used));
    for (int tries = 0; tries < 8 && !qname.is_subdomain_of(zone); ++tries) qname = dn(make.pick(names_used));
    const question q{qname, make.pick(question_types)};
    const message reply = make.reply(q);
    const scrubbed_reply s = scrub(q, reply, zone);
    ++seen[s.kind];
    const std::string broken = violation(q, reply, zone, s);
    if (!broken.empty() && ++failures <= 5) {
      INFO("case ", i, ": ", q.qname.to_text(), " ", to_string(q.qtype), " zone ", zone.to_text(), ", kind ",
           std::string(to_string(s.kind)));
      CHECK(broken == "");
    }
  }
  CHECK(failures == 0);
  // The generator reaches every kind, so every rule above was exercised.
  for (reply_kind k : {reply_kind::answer, reply_kind::cname, reply_kind::nxdomain, reply_kind::nodata,
                       reply_kind::referral, reply_kind::lame, reply_kind::server_error, reply_kind::bad}) {
    const std::string kind(to_string(k));
    CAPTURE(kind);
    CHECK(seen[k] >= 50);
  }
  MESSAGE("kinds: answer ", seen[reply_kind::answer], ", cname ", seen[reply_kind::cname], ", nxdomain ",
          seen[reply_kind::nxdomain], ", nodata ", seen[reply_kind::nodata], ", referral ",
          seen[reply_kind::referral], ", lame ", seen[reply_kind::lame], ", server_error ",
          seen[reply_kind::server_error], ", bad ", seen[reply_kind::bad]);
}
