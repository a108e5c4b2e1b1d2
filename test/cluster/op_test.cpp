// The ops of a session payload: every op round-trips; msg/fb written on the
// fast path are byte for byte the record's encoding; malformed payloads are
// rejected with the op's number, its byte and what is wrong.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "bytes_util.hpp"
#include "op.hpp"
#include "random_terms.hpp"
#include "wire.hpp"

using namespace agora;
using namespace agora::cluster;
using namespace agora::cluster::test;

namespace {

std::vector<op> every_op() {
  const std::vector<member_info> members = {{1, 1700000000000000, "10.0.0.1:7000", member_state::up},
                                            {2, 5, "[::1]:7001", member_state::lost},
                                            {9, 7, "node-9.example:65535", member_state::left}};
  return {ops::welcome{members},
          ops::welcome{},
          ops::refuse{sym("already_linked")},
          ops::members{members},
          ops::declare{0, role::publisher, interest::participant, true, false, true,
                       rec("present", cap("who"))},
          ops::declare{INT64_MAX, role::subscriber, interest::everything, false, true, false, _},
          ops::declare{5, role::subscriber, interest::observer, true, true, true, seq()},
          ops::withdraw{5, rec("crashed", "boom")},
          ops::withdraw{6, sym("deleted")},
          ops::msg{rec("say", "alice", 42)},
          ops::msg{term(std::string(300, 'x'))},
          ops::fb{rec("credit", 10)},
          ops::ack{0},
          ops::ack{123456},
          ops::ping{0},
          ops::pong{INT64_MAX},
          ops::bye{sym("shutdown")},
          ops::status_req{7},
          ops::status{7, rec("cluster", seq(1, 2, 3))}};
}

bytes payload_of(const std::vector<op>& ops) {
  bytes payload = {std::byte{binary_version}};
  for (const op& o : ops) append_op(o, payload);
  return payload;
}

bytes payload_of_terms(const std::vector<term>& terms) {
  bytes payload = {std::byte{binary_version}};
  for (const term& t : terms) encode_item(t, payload);
  return payload;
}

std::string rejection(const bytes& payload) {
  try {
    decode_ops(payload);
  } catch (const protocol_error& e) {
    return e.what();
  }
  return "accepted";
}

std::string rejection_of(const term& t) { return rejection(payload_of_terms({t})); }

}  // namespace

TEST_CASE("ops: every op round-trips through a payload and through its term") {
  const std::vector<op> ops = every_op();
  CHECK(decode_ops(payload_of(ops)) == ops);
  for (const op& o : ops) {
    CHECK(op_from_term(to_term(o)) == o);
    CHECK(op_name(o) == to_term(o).label());
  }
}

TEST_CASE("ops: golden encodings") {
  bytes p;
  append_op(ops::ping{5}, p);
  CHECK(to_hex(p) == "e10470696e672a");
  p.clear();
  append_msg(42, p);
  CHECK(to_hex(p) == "e1036d73673f54");
  p.clear();
  append_fb(sym("x"), p);
  CHECK(to_hex(p) == "e102666281" "78");
  p.clear();
  append_op(ops::declare{1, role::subscriber, interest::observer, true, false, true, sym("t")}, p);
  // declare/5: H 1, subscriber, observer, FLAGS 5, t
  CHECK(to_hex(p) == "e5076465636c617265" "22" "8a73756273637269626572" "886f62736572766572" "2a"
                     "8174");
}

TEST_CASE("ops: msg and fb on the fast path are the record term's encoding, byte for byte") {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 3000; ++i) {
    const term body = agora::test::random_term(rng, 1 + i % 4, false);
    bytes fast, slow;
    append_msg(body, fast);
    encode_item(rec("msg", body), slow);
    REQUIRE(fast == slow);
    fast.clear();
    slow.clear();
    append_fb(body, fast);
    encode_item(rec("fb", body), slow);
    REQUIRE(fast == slow);
    // and the op variant takes the fast path too
    bytes via_op;
    append_op(ops::msg{body}, via_op);
    encode_item(rec("msg", body), slow = {});
    REQUIRE(via_op == slow);
  }
}

TEST_CASE("ops: a payload is the version byte and at least one op") {
  CHECK(rejection({}) == "empty session payload (no version byte)");
  CHECK(rejection({std::byte{1}}) == "session payload holds no op");
  bytes v2 = payload_of({ops::ping{1}});
  v2[0] = std::byte{2};
  CHECK(rejection(v2) == "session payload of version 2 (this node reads 1)");
}

TEST_CASE("ops: malformed ops are rejected with their number, byte and fault") {
  CHECK(rejection_of(1) == "op 1 at byte 1: expected an op (a record), got 1");
  CHECK(rejection_of(rec("frobnicate", 1)) == "op 1 at byte 1: unknown op frobnicate/1");
  CHECK(rejection_of(rec("declare", 1, 2)) ==
        "op 1 at byte 1: declare takes 5 fields (H, ROLE, INTEREST, FLAGS, TOPIC), got 2");
  CHECK(rejection_of(rec("declare", -1, sym("publisher"), sym("observer"), 0, sym("t"))) ==
        "op 1 at byte 1: declare: field 1 (H) must be an integer >= 0, got -1");
  CHECK(rejection_of(rec("declare", 1, sym("writer"), sym("observer"), 0, sym("t"))) ==
        "op 1 at byte 1: declare: field 2 (ROLE) must be one of publisher, subscriber, got writer");
  CHECK(rejection_of(rec("declare", 1, sym("publisher"), "observer", 0, sym("t"))) ==
        "op 1 at byte 1: declare: field 3 (INTEREST) must be one of participant, observer, "
        "everything, got \"observer\"");
  CHECK(rejection_of(rec("declare", 1, sym("publisher"), sym("observer"), 8, sym("t"))) ==
        "op 1 at byte 1: declare: field 4 (FLAGS) must be an integer from 0 to 7, got 8");
  CHECK(rejection_of(rec("msg", rec("say", _))) ==
        "op 1 at byte 1: msg: field 1 (BODY) must not hold a wildcard or a capture, got say(_)");
  CHECK(rejection_of(rec("fb", cap("x"))) ==
        "op 1 at byte 1: fb: field 1 (BODY) must not hold a wildcard or a capture, got $x");
  CHECK(rejection_of(rec("withdraw", 1, 42)) ==
        "op 1 at byte 1: withdraw: field 2 (REASON) is not a valid reason: it is not a symbol or "
        "a record, got 42");
  CHECK(rejection_of(rec("bye", rec("", 1))).find("has an empty name") != std::string::npos);
  CHECK(rejection_of(rec("refuse", term(std::string(300, 'x')))).find("not a symbol") !=
        std::string::npos);
  CHECK(rejection_of(rec("bye", rec("why", std::string(300, 'x'))))
            .find("takes 308 bytes encoded (at most 256)") != std::string::npos);
  CHECK(rejection_of(rec("ack", -1)) == "op 1 at byte 1: ack: field 1 (N) must be an integer >= 0, got -1");
  CHECK(rejection_of(rec("ping", 1.5)) ==
        "op 1 at byte 1: ping: field 1 (T) must be an integer >= 0, got 1.5");
  CHECK(rejection_of(rec("status", 1, _)) ==
        "op 1 at byte 1: status: field 2 (STATUS) must not hold a wildcard or a capture, got _");
  CHECK(rejection_of(rec("welcome", sym("none"))) ==
        "op 1 at byte 1: welcome: field 1 (MEMBERS) must be a list of member(ID, INC, ADDRESS, "
        "STATE), got none");
  CHECK(rejection_of(rec("members", seq(rec("member", 1, 1, "a:1", sym("up")),
                                        rec("member", 2, 1, "nohost", sym("up"))))) ==
        "op 1 at byte 1: members: MEMBERS item 2: member: field 3 (ADDRESS) must be an address "
        "\"host:port\"; it is not \"host:port\" (no ':'), got \"nohost\"");
  CHECK(rejection_of(rec("members", seq(rec("member", 1, 1, "a:1", sym("gone"))))) ==
        "op 1 at byte 1: members: MEMBERS item 1: member: field 4 (STATE) must be one of up, "
        "lost, left, got gone");
  CHECK(rejection_of(rec("members", seq(rec("member", 0, 1, "a:1", sym("up"))))) ==
        "op 1 at byte 1: members: MEMBERS item 1: member: field 1 (ID) must be an integer >= 1, "
        "got 0");
}

TEST_CASE("ops: the error names the op's number and byte, and the decoder's byte") {
  bytes p = payload_of({ops::ping{1}, ops::ack{2}});  // ping at 1, ack at 8
  const std::size_t third = p.size();
  append_op(ops::msg{rec("say", "hi")}, p);
  p.push_back(std::byte{0x1f});
  CHECK(rejection(p) == fmt::format("op 4 at byte {}: unknown tag 0x1f (at byte {})", p.size() - 1,
                                    p.size() - 1));
  p.pop_back();
  p.pop_back();  // cut the last op short
  CHECK(rejection(p) ==
        fmt::format("op 3 at byte {}: string length 2 exceeds remaining input (1 bytes) (at byte "
                    "{})",
                    third, p.size() - 2));
  CHECK(rejection(payload_of_terms({rec("ping", 1), rec("declare", 1)})) ==
        "op 2 at byte 8: declare takes 5 fields (H, ROLE, INTEREST, FLAGS, TOPIC), got 1");
}

TEST_CASE("ops: op_reader walks op by op and stops at the first bad one") {
  bytes p = payload_of({ops::ping{1}, ops::ack{2}});
  encode_item(42, p);
  op_reader r(p);
  CHECK(r.next() == std::optional<op>(ops::ping{1}));
  CHECK(r.next() == std::optional<op>(ops::ack{2}));
  CHECK_THROWS_AS(r.next(), protocol_error);

  const bytes good = payload_of({ops::bye{sym("shutdown")}});
  op_reader done(good);
  CHECK(done.next().has_value());
  CHECK_FALSE(done.next().has_value());
}

TEST_CASE("ops: nesting beyond max_depth is rejected") {
  term deep = seq();
  for (int i = 0; i < 10; ++i) deep = term::sequence(std::vector<term>{deep});
  const bytes p = payload_of({ops::msg{deep}});
  CHECK_NOTHROW(decode_ops(p));
  try {
    decode_ops(p, {.max_depth = 5});
    FAIL("accepted");
  } catch (const protocol_error& e) {
    CHECK(std::string(e.what()).find("nesting deeper than 5 (max_depth)") != std::string::npos);
  }
}

TEST_CASE("ops: invalid ops cannot be built") {
  CHECK_THROWS_AS(to_term(ops::declare{-1, role::publisher, interest::participant, false, false,
                                       false, sym("t")}),
                  std::invalid_argument);
  CHECK_THROWS_AS(to_term(ops::withdraw{1, 42}), std::invalid_argument);
  CHECK_THROWS_AS(to_term(ops::ack{-3}), std::invalid_argument);
  CHECK_THROWS_AS(to_term(ops::members{{{1, 1, "nohost", member_state::up}}}), std::invalid_argument);
  CHECK_THROWS_AS(to_term(ops::welcome{{{0, 1, "a:1", member_state::up}}}), std::invalid_argument);
  CHECK_THROWS_AS(to_term(ops::status{1, cap("x")}), std::invalid_argument);
  bytes p;
  CHECK_THROWS_AS(append_msg(rec("say", _), p), std::invalid_argument);
  CHECK_THROWS_AS(append_op(ops::fb{cap("x")}, p), std::invalid_argument);
  CHECK(p.empty());
}

TEST_CASE("ops: mutated payloads are rejected or decode to ops that re-encode identically") {
  std::mt19937_64 rng(77);
  const bytes original = payload_of(every_op());
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes p = original;
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      auto& b = p[rng() % p.size()];
      b = rng() % 2 ? b ^ static_cast<std::byte>(1u << (rng() % 8)) : static_cast<std::byte>(rng());
    }
    if (rng() % 4 == 0) p.resize(rng() % p.size());
    try {
      const auto ops = decode_ops(p);
      ++accepted;
      REQUIRE(payload_of(ops) == p);  // ops <-> bytes is a bijection
    } catch (const protocol_error&) {
      ++rejected;
    }
  }
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}
