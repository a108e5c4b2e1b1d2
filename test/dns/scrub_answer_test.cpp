// scrub(): the answer section keeps the chain from qname and nothing else;
// TTLs follow RFC 2181 §8; CNAME loops, long chains and contradictions
// make the reply bad; DNAMEs come with their (checked or synthesized) CNAME.
#include <doctest/doctest.h>

#include "resolve/scrub.hpp"
#include "scrub_records.hpp"

using namespace agora::dns;
using namespace scrub_test;

using strings = std::vector<std::string>;

TEST_CASE("scrub answer: a plain answer keeps its records") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {a_rr("www.example.com.", {192, 0, 2, 1}), a_rr("WWW.example.com.", {192, 0, 2, 2})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == reply.answers);
  CHECK(s.final_name == dn("www.example.com."));
  CHECK(texts(s.chain) == strings{"www.example.com."});
  CHECK(s.dropped == 0);
  CHECK(s.why.empty());
  CHECK(s.reply.header == reply.header);
  CHECK(s.reply.questions == reply.questions);
}

TEST_CASE("scrub answer: poison in the answer section is dropped (other owners, other types, out of zone)") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {
      a_rr("www.example.com.", {192, 0, 2, 1}),
      a_rr("bank.example.com.", {6, 6, 6, 6}),  // an unrelated name in the zone
      aaaa_rr("www.example.com.", 1),            // another type at the name
      a_rr("www.bank.com.", {6, 6, 6, 6}),       // outside the zone
      ns_rr("example.com.", "ns.evil.org."),     // NS in the answer section
  };
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  REQUIRE(s.reply.answers.size() == 1);
  CHECK(s.reply.answers[0] == reply.answers[0]);
  CHECK(s.dropped == 4);
}

TEST_CASE("scrub answer: records of another class are dropped") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  resource_record chaos = a_rr("www.example.com.", {6, 6, 6, 6});
  chaos.rclass = rr_class::ch;
  reply.answers = {chaos, a_rr("www.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == std::vector{reply.answers[1]});
}

TEST_CASE("scrub answer: TTLs above 2^31-1 become 0 (RFC 2181 8), 2^31-1 stays") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "web.example.com.", 0xffffffff),
                   a_rr("web.example.com.", {192, 0, 2, 1}, 0x80000000),
                   a_rr("web.example.com.", {192, 0, 2, 2}, 0x7fffffff)};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  REQUIRE(s.reply.answers.size() == 3);
  CHECK(s.reply.answers[0].ttl == 0);
  CHECK(s.reply.answers[1].ttl == 0);
  CHECK(s.reply.answers[2].ttl == 0x7fffffff);
}

TEST_CASE("scrub answer: duplicate records are kept once") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {a_rr("www.example.com.", {192, 0, 2, 1}, 300), a_rr("www.example.com.", {192, 0, 2, 1}, 200)};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.reply.answers == std::vector{reply.answers[0]});
  CHECK(s.dropped == 1);
}

TEST_CASE("scrub answer: a CNAME chain is followed to the records of qtype, in any order") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {a_rr("web2.example.com.", {192, 0, 2, 7}), cname_rr("web.example.com.", "web2.example.com."),
                   cname_rr("www.example.com.", "web.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(texts(s.chain) == strings{"www.example.com.", "web.example.com.", "web2.example.com."});
  CHECK(s.final_name == dn("web2.example.com."));
  CHECK(owners(s.reply.answers) == strings{"www.example.com.", "web.example.com.", "web2.example.com."});
  CHECK(s.reply.answers[2].type == rr_type::a);
}

TEST_CASE("scrub answer: a chain that leaves the zone stops there, kind cname, nothing kept beyond") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "www.cdn.net."), a_rr("www.cdn.net.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::cname);
  CHECK(s.final_name == dn("www.cdn.net."));
  CHECK(texts(s.chain) == strings{"www.example.com.", "www.cdn.net."});
  CHECK(s.reply.answers == std::vector{reply.answers[0]});
  // A forwarder passes the root: the same reply is an answer.
  const scrubbed_reply forwarded = scrub(q, reply, dn("."));
  CHECK(forwarded.kind == reply_kind::answer);
  CHECK(forwarded.reply.answers == reply.answers);
}

TEST_CASE("scrub answer: a chain ending at a target with nothing for it is kind cname") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "web.example.com.")};
  reply.authorities = {ns_rr("example.com.", "ns1.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::cname);
  CHECK(s.final_name == dn("web.example.com."));
  CHECK(s.reply.answers == reply.answers);
  CHECK(s.reply.authorities.empty());
}

TEST_CASE("scrub answer: qtype CNAME stops at the CNAME") {
  const question q = ask("www.example.com.", rr_type::cname);
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "web.example.com."), a_rr("web.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.final_name == dn("www.example.com."));
  CHECK(s.reply.answers == std::vector{reply.answers[0]});
}

TEST_CASE("scrub answer: a CNAME to itself is bad") {
  const question q = ask("loop.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("loop.example.com.", "LOOP.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why == "a CNAME from loop.example.com. to itself");
  CHECK(s.reply.answers.empty());
  CHECK(s.dropped == 1);
}

TEST_CASE("scrub answer: a CNAME loop of two is bad") {
  const question q = ask("a.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("a.example.com.", "b.example.com."), cname_rr("b.example.com.", "a.example.com.")};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why == "a CNAME loop: b.example.com. comes back to a.example.com.");
  CHECK(s.reply.answers.empty());
}

namespace {

// c0 -> c1 -> ... -> c<length>, A at the end.
message chain_of(const question& q, int length) {
  message reply = reply_to(q);
  for (int i = 0; i < length; ++i)
    reply.answers.push_back(cname_rr("c" + std::to_string(i) + ".example.", "c" + std::to_string(i + 1) + ".example."));
  reply.answers.push_back(a_rr("c" + std::to_string(length) + ".example.", {192, 0, 2, 1}));
  return reply;
}

}  // namespace

TEST_CASE("scrub answer: a chain of max_cname_chain CNAMEs is an answer, one more is bad") {
  const question q = ask("c0.example.");
  const scrubbed_reply at_limit = scrub(q, chain_of(q, 16), dn("."));
  CHECK(at_limit.kind == reply_kind::answer);
  CHECK(at_limit.chain.size() == 17);
  CHECK(at_limit.final_name == dn("c16.example."));

  const scrubbed_reply over = scrub(q, chain_of(q, 17), dn("."));
  CHECK(over.kind == reply_kind::bad);
  CHECK(over.why == "the chain from c0.example. is longer than 16 CNAMEs");

  const scrubbed_reply lower = scrub(q, chain_of(q, 3), dn("."), {.max_cname_chain = 2});
  CHECK(lower.kind == reply_kind::bad);
  CHECK(scrub(q, chain_of(q, 2), dn("."), {.max_cname_chain = 2}).kind == reply_kind::answer);
  CHECK(scrub(q, chain_of(q, 1), dn("."), {.max_cname_chain = 0}).kind == reply_kind::bad);
}

TEST_CASE("scrub answer: two CNAMEs at one name are bad, the same one twice is not") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "a.example.com."), cname_rr("www.example.com.", "b.example.com."),
                   a_rr("a.example.com.", {192, 0, 2, 1}), a_rr("b.example.com.", {192, 0, 2, 2})};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why == "www.example.com. has two CNAMEs: to a.example.com. and to b.example.com.");

  reply.answers[1] = cname_rr("www.example.com.", "A.EXAMPLE.com.", 60);  // the same target, another case
  const scrubbed_reply twice = scrub(q, reply, dn("."));
  CHECK(twice.kind == reply_kind::answer);
  CHECK(owners(twice.reply.answers) == strings{"www.example.com.", "a.example.com."});
  CHECK(twice.reply.answers[0] == reply.answers[0]);  // the first of the two
}

TEST_CASE("scrub answer: a CNAME next to records of qtype is bad") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "web.example.com."), a_rr("www.example.com.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why == "www.example.com. has a CNAME and A records");
}

TEST_CASE("scrub answer: a DNAME above the name is kept with its matching CNAME") {
  const question q = ask("www.old.example.");
  message reply = reply_to(q);
  reply.answers = {dname_rr("old.example.", "new.example."), cname_rr("www.old.example.", "www.new.example.", 0),
                   a_rr("www.new.example.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("example."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == reply.answers);
  CHECK(texts(s.chain) == strings{"www.old.example.", "www.new.example."});
}

TEST_CASE("scrub answer: a DNAME without its CNAME gets one synthesized (TTL of the DNAME)") {
  const question q = ask("www.old.example.");
  message reply = reply_to(q);
  reply.answers = {a_rr("www.new.example.", {192, 0, 2, 1}), dname_rr("old.example.", "new.example.", 120)};
  const scrubbed_reply s = scrub(q, reply, dn("example."));
  CHECK(s.kind == reply_kind::answer);
  REQUIRE(s.reply.answers.size() == 3);
  CHECK(s.reply.answers[0] == reply.answers[1]);
  CHECK(s.reply.answers[1] == cname_rr("www.old.example.", "www.new.example.", 120));
  CHECK(s.reply.answers[2] == reply.answers[0]);
  CHECK(s.dropped == 0);
}

TEST_CASE("scrub answer: a CNAME that disagrees with its DNAME is bad") {
  const question q = ask("www.old.example.");
  message reply = reply_to(q);
  reply.answers = {dname_rr("old.example.", "new.example."), cname_rr("www.old.example.", "www.evil.example."),
                   a_rr("www.evil.example.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("example."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why == "the CNAME www.old.example. -> www.evil.example. disagrees with the DNAME at old.example. "
                 "(which gives www.new.example.)");
}

TEST_CASE("scrub answer: DNAMEs that do not apply are dropped (at the name, outside the zone, elsewhere)") {
  const question q = ask("www.example.com.");
  message reply = reply_to(q);
  reply.answers = {dname_rr("www.example.com.", "evil.org."),  // at the name: redirects only names below it
                   dname_rr("com.", "evil.org."),              // above the zone
                   dname_rr("other.example.com.", "evil.org."),
                   a_rr("www.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == std::vector{reply.answers[3]});
  CHECK(s.dropped == 3);
}

TEST_CASE("scrub answer: a DNAME substitution over 255 octets is bad") {
  const std::string long_label(63, 'x');
  const std::string qname = long_label + "." + long_label + "." + long_label + ".d.";  // 195 octets
  const question q = ask(qname);
  message reply = reply_to(q);
  reply.answers = {dname_rr("d.", long_label + ".e.")};  // 195 - 3 + 67 = 259
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::bad);
  CHECK(s.why.find("longer than 255 octets") != std::string::npos);
}

TEST_CASE("scrub answer: qtype ANY takes every type at the name, and no chain") {
  const question q = ask("www.example.com.", rr_type::any);
  message reply = reply_to(q);
  reply.answers = {a_rr("www.example.com.", {192, 0, 2, 1}), aaaa_rr("www.example.com.", 1),
                   a_rr("other.example.com.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == std::vector{reply.answers[0], reply.answers[1]});
}

TEST_CASE("scrub answer: a positive answer keeps no authority and no additional records") {
  const question q = ask("example.com.", rr_type::mx);
  message reply = reply_to(q);
  reply.answers = {make_mx(dn("example.com."), 600, {10, dn("mail.example.com.")})};
  reply.authorities = {ns_rr("example.com.", "ns1.example.com."), soa_rr("example.com.")};
  reply.additionals = {a_rr("mail.example.com.", {192, 0, 2, 25}), a_rr("ns1.example.com.", {192, 0, 2, 53}),
                       a_rr("mail.evil.org.", {6, 6, 6, 6})};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == reply.answers);
  CHECK(s.reply.authorities.empty());
  CHECK(s.reply.additionals.empty());
  CHECK(s.glue.empty());
  CHECK(s.dropped == 5);
}

TEST_CASE("scrub answer: qtype CNAME under a DNAME answers with the synthesized CNAME, and stays so") {
  const question q = ask("www.old.example.", rr_type::cname);
  message reply = reply_to(q);
  reply.answers = {dname_rr("old.example.", "new.example.")};
  const scrubbed_reply s = scrub(q, reply, dn("example."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.final_name == dn("www.old.example."));
  CHECK(s.reply.answers == std::vector{reply.answers[0], cname_rr("www.old.example.", "www.new.example.")});
  const scrubbed_reply again = scrub(q, s.reply, dn("example."));
  CHECK(again.reply == s.reply);
  CHECK(again.kind == reply_kind::answer);
}

TEST_CASE("scrub answer: qtype ANY at a CNAME owner answers with the CNAME, not its target") {
  const question q = ask("www.example.com.", rr_type::any);
  message reply = reply_to(q);
  reply.answers = {cname_rr("www.example.com.", "web.example.com."), a_rr("web.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.final_name == dn("www.example.com."));
  CHECK(s.reply.answers == std::vector{reply.answers[0]});
}

TEST_CASE("scrub answer: RRSIG next to a CNAME is no contradiction (RFC 4035)") {
  const question q = ask("www.example.com.", rr_type::rrsig);
  message reply = reply_to(q);
  const resource_record sig{dn("www.example.com."), rr_type::rrsig, rr_class::in, 300, {std::byte{1}, std::byte{2}}};
  reply.answers = {cname_rr("www.example.com.", "web.example.com."), sig};
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers == std::vector{sig});
  // Asked for A, the RRSIG is dropped and the CNAME followed.
  const question qa = ask("www.example.com.");
  message reply_a = reply_to(qa);
  reply_a.answers = {sig, cname_rr("www.example.com.", "web.example.com."), a_rr("web.example.com.", {192, 0, 2, 1})};
  const scrubbed_reply sa = scrub(qa, reply_a, dn("."));
  CHECK(sa.kind == reply_kind::answer);
  CHECK(owners(sa.reply.answers) == strings{"www.example.com.", "web.example.com."});
}

TEST_CASE("scrub answer: a reply as decoded from the wire (the codec's CNAME answer)") {
  const message reply = decoded(www_answer());
  const question q = reply.questions.at(0);
  const scrubbed_reply s = scrub(q, reply, dn("example.com."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(texts(s.chain) == strings{"www.example.com.", "web.example.com."});
  CHECK(s.reply.answers == reply.answers);
  CHECK(s.reply.edns == reply.edns);
}

TEST_CASE("scrub answer: thousands of poisoned records around a chain are dropped") {
  const question q = ask("c0.example.");
  message reply = reply_to(q);
  for (int i = 0; i < 3000; ++i)
    reply.answers.push_back(cname_rr("p" + std::to_string(i) + ".example.", "c0.example."));
  for (int i = 0; i < 16; ++i)
    reply.answers.push_back(cname_rr("c" + std::to_string(i) + ".example.", "c" + std::to_string(i + 1) + ".example."));
  reply.answers.push_back(a_rr("c16.example.", {192, 0, 2, 1}));
  for (int i = 0; i < 3000; ++i) reply.additionals.push_back(a_rr("c16.example.", {6, 6, 6, 6}));
  const scrubbed_reply s = scrub(q, reply, dn("."));
  CHECK(s.kind == reply_kind::answer);
  CHECK(s.reply.answers.size() == 17);
  CHECK(s.dropped == 6000);
}
