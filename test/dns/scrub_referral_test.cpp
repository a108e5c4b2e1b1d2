// scrub(): a referral is NS records for a zone strictly below the
// bailiwick and at or above the name, from a server that is not
// authoritative for the answer; glue only for those NS names and only
// inside the bailiwick. Referrals to the same zone, upward or sideways
// are lame.
#include <doctest/doctest.h>

#include "resolve/scrub.hpp"
#include "scrub_records.hpp"

using namespace agora::dns;
using namespace scrub_test;

using strings = std::vector<std::string>;

namespace {

// What a .com server says about www.example.com.
message com_referral(const question& q) {
  message reply = reply_to(q, rcode::noerror, false);
  reply.authorities = {ns_rr("example.com.", "ns1.example.com."), ns_rr("example.com.", "ns2.example.net."),
                       ns_rr("example.com.", "ns.elsewhere.org.")};
  reply.additionals = {a_rr("ns1.example.com.", {192, 0, 2, 53}), aaaa_rr("ns1.example.com.", 0x53),
                       a_rr("ns2.example.net.", {198, 51, 100, 53})};
  return reply;
}

}  // namespace

TEST_CASE("scrub referral: NS below the zone with in-bailiwick glue") {
  const question q = ask("www.example.com.");
  const message reply = com_referral(q);
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::referral);
  REQUIRE(s.referral_zone);
  CHECK(*s.referral_zone == dn("example.com."));
  CHECK(texts(s.referral_servers) == strings{"ns1.example.com.", "ns2.example.net.", "ns.elsewhere.org."});
  CHECK(s.reply.authorities == reply.authorities);
  // ns2.example.net. is not under com.: its address is not com's to give.
  CHECK(s.reply.additionals == std::vector{reply.additionals[0], reply.additionals[1]});
  REQUIRE(s.glue.size() == 2);
  CHECK(s.glue[0].first == dn("ns1.example.com."));
  CHECK(s.glue[0].second.to_text() == "192.0.2.53");
  CHECK(s.glue[1].second.to_text() == "2001:db8::53");
  CHECK(s.dropped == 1);
}

TEST_CASE("scrub referral: from the root every glue address is in bailiwick") {
  const question q = ask("www.example.com.");
  const scrubbed_reply s = scrub(q, com_referral(q), dn("."));
  CHECK(s.kind == reply_kind::referral);
  CHECK(s.glue.size() == 3);
}

TEST_CASE("scrub referral: poisoned additional and authority records are dropped") {
  const question q = ask("www.example.com.");
  message reply = com_referral(q);
  reply.authorities.push_back(ns_rr("bank.com.", "ns.evil.com."));       // another zone: not above the name
  reply.authorities.push_back(ns_rr("org.", "ns.evil.com."));            // outside the bailiwick
  reply.authorities.push_back(soa_rr("com."));                           // an SOA in a referral? not negative
  reply.additionals.push_back(a_rr("www.bank.com.", {6, 6, 6, 6}));      // not an NS name
  reply.additionals.push_back(a_rr("ns.elsewhere.org.", {6, 6, 6, 6}));  // an NS name, out of bailiwick
  reply.additionals.push_back(a_rr("ns.evil.com.", {6, 6, 6, 6}));       // the poisoned NS's name
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::nodata);  // the SOA makes it a negative answer ...
  CHECK(owners(s.reply.authorities) == strings{"com."});
  CHECK(s.reply.additionals.empty());   // ... so no NS and no glue

  reply.authorities.pop_back();  // without the SOA: the referral, without the poison
  const scrubbed_reply r = scrub(q, reply, dn("com."));
  CHECK(r.kind == reply_kind::referral);
  CHECK(owners(r.reply.authorities) == strings{"example.com.", "example.com.", "example.com."});
  CHECK(owners(r.reply.additionals) == strings{"ns1.example.com.", "ns1.example.com."});
  for (const auto& [server, address] : r.glue) CHECK(address.to_text() != "6.6.6.6");
}

TEST_CASE("scrub referral: poisoned answer records do not stop a referral") {
  const question q = ask("www.example.com.");
  message reply = com_referral(q);
  reply.answers = {a_rr("www.bank.com.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::referral);
  CHECK(s.reply.answers.empty());
}

TEST_CASE("scrub referral: the closest of several delegations is taken") {
  const question q = ask("www.a.b.example.");
  message reply = reply_to(q, rcode::noerror, false);
  reply.authorities = {ns_rr("b.example.", "ns.b.example."), ns_rr("a.b.example.", "ns.a.b.example.")};
  reply.additionals = {a_rr("ns.b.example.", {192, 0, 2, 1}), a_rr("ns.a.b.example.", {192, 0, 2, 2})};
  const scrubbed_reply s = scrub(q, reply, dn("example."));
  CHECK(s.kind == reply_kind::referral);
  CHECK(*s.referral_zone == dn("a.b.example."));
  CHECK(texts(s.referral_servers) == strings{"ns.a.b.example."});
  CHECK(owners(s.reply.additionals) == strings{"ns.a.b.example."});
}

TEST_CASE("scrub referral: a referral to the name itself is one") {
  const question q = ask("example.com.", rr_type::ns);
  message reply = reply_to(q, rcode::noerror, false);
  reply.authorities = {ns_rr("example.com.", "ns1.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::referral);
  CHECK(s.glue.empty());
}

TEST_CASE("scrub referral: to the same zone, upward or sideways is lame") {
  const question q = ask("www.example.com.");
  for (auto [owner, why] :
       {std::pair{"example.com.", "a referral to example.com., the zone asked"},
        {"com.", "a referral to com., outside the zone example.com."},
        {".", "a referral to ., outside the zone example.com."},
        {"other.example.com.", "a referral to other.example.com., which is not above www.example.com."}}) {
    CAPTURE(owner);
    message reply = reply_to(q, rcode::noerror, false);
    reply.authorities = {ns_rr(owner, "ns.example.com.")};
    reply.additionals = {a_rr("ns.example.com.", {192, 0, 2, 1})};
    const scrubbed_reply s = scrub(q, reply, dn("example.com."));
    CHECK(s.kind == reply_kind::lame);
    CHECK(s.why == why);
    CHECK(s.reply.authorities.empty());
    CHECK(s.reply.additionals.empty());
    CHECK(s.glue.empty());
  }
}

TEST_CASE("scrub referral: an authoritative reply with NS and no answer is nodata, not a referral") {
  const question q = ask("www.example.com.");
  message reply = com_referral(q);
  reply.header.aa = true;
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::nodata);
  CHECK(s.reply.authorities.empty());
  CHECK(s.reply.additionals.empty());
}

TEST_CASE("scrub referral: after a chain, NS records are not a referral (kind cname)") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q, rcode::noerror, false);
  reply.answers = {cname_rr("www.example.com.", "www.sub.example.com.")};
  reply.authorities = {ns_rr("sub.example.com.", "ns.sub.example.com.")};
  reply.additionals = {a_rr("ns.sub.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::cname);
  CHECK(s.final_name == dn("www.sub.example.com."));
  CHECK(s.reply.authorities.empty());
  CHECK(s.reply.additionals.empty());
  CHECK(!s.referral_zone);
}

TEST_CASE("scrub referral: NS records with the same server twice keep it once") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q, rcode::noerror, false);
  reply.authorities = {ns_rr("example.com.", "ns1.example.com."), ns_rr("EXAMPLE.com.", "ns1.example.com.", 5),
                       ns_rr("example.com.", "NS1.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("com."));
  CHECK(s.kind == reply_kind::referral);
  CHECK(texts(s.referral_servers) == strings{"ns1.example.com."});
  CHECK(s.reply.authorities.size() == 1);
}
