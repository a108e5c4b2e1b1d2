#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>
#include <unordered_set>

#include "agora/term.hpp"

using namespace agora;

TEST_CASE("scalars construct, inspect and compare") {
  CHECK(term(true).as_bool());
  CHECK(term(42).as_int() == 42);
  CHECK(term(std::int64_t{-7}).as_int() == -7);
  CHECK(term(0.5).as_double() == 0.5);
  CHECK(term("hi").as_string() == "hi");
  CHECK(sym("x").as_symbol() == "x");
  CHECK(term::bytes(std::string_view("\x00\xff", 2)).as_bytes().size() == 2);
  CHECK_THROWS_AS(term(1).as_string(), term_error);
  CHECK_THROWS_WITH(term(1).as_string(), "expected a term of kind string, got integer");
}

TEST_CASE("short and long texts are equal by content") {
  std::string long_text(100, 'a');
  term a(long_text), b(long_text);
  CHECK(a == b);
  CHECK(a.hash() == b.hash());
  CHECK(term("short") == term(std::string("short")));
  CHECK(term("abc") != sym("abc"));
  CHECK(term::bytes(std::string_view("abc")) != term("abc"));
}

TEST_CASE("hashes are computed on first use and agree for equal terms built apart") {
  // Hashes are lazy and cached per node: equal terms must hash alike however
  // their parts were hashed (or not) before, and whichever is hashed first.
  const std::string big(100'000, 'z');
  term a = rec("tcp.data", rec("tcp.conn", 7), term::bytes(big));
  term b = rec("tcp.data", rec("tcp.conn", 7), term::bytes(big));
  CHECK(a == b);  // comparing computes no hash, and must not need one
  (void)b[1].hash();  // b's child first, then the whole
  CHECK(a.hash() == b.hash());
  CHECK(a[1].hash() == b[1].hash());
  term c = rec("tcp.data", rec("tcp.conn", 7), term::bytes(big + "!"));
  CHECK(a != c);
  (void)c.hash();
  CHECK(a != c);  // known, different hashes decide
  std::unordered_set<term> set{a, b, c, a[0], b[0]};
  CHECK(set.size() == 3);
}

TEST_CASE("hashing a very deep term needs no recursion") {
  term t = 0, u = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    t = (i % 2) ? seq(t) : rec("n", t);
    u = (i % 2) ? seq(u) : rec("n", u);
  }
  CHECK(t.hash() == u.hash());
  CHECK(t.hash() != t[0].hash());
}

TEST_CASE("doubles: -0.0 differs from 0.0, NaN equals itself") {
  CHECK(term(0.0) != term(-0.0));
  term nan1(std::numeric_limits<double>::quiet_NaN());
  term nan2(-std::numeric_limits<double>::quiet_NaN());
  CHECK(nan1 == nan2);
  CHECK(nan1.hash() == nan2.hash());
  CHECK(term(-0.0) < term(0.0));
  CHECK(term(-INFINITY) < term(-1.0));
  CHECK(term(1) != term(1.0));
}

TEST_CASE("compounds") {
  term r = rec("say", "alice", 42, seq(1, 2.5, sym("three")));
  CHECK(r.is_record("say", 3));
  CHECK(r.label() == "say");
  CHECK(r[0].as_string() == "alice");
  CHECK(r[2][2].as_symbol() == "three");
  CHECK_THROWS_AS(r[3], term_error);
  CHECK(r == rec("say", "alice", 42, seq(1, 2.5, sym("three"))));
  CHECK(r != rec("said", "alice", 42, seq(1, 2.5, sym("three"))));
  CHECK(r.is_concrete());
  CHECK_FALSE(rec("say", _, cap("x")).is_concrete());
  CHECK(rec("stop").size() == 0);
  CHECK(rec("stop") != sym("stop"));
}

TEST_CASE("total order is consistent with equality") {
  std::vector<term> ts = {true, false, 1, -1, 2.0, "a", "b", sym("a"),
                          seq(), seq(1), seq(1, 2), rec("a"), rec("a", 1),
                          rec("b"), _, cap("x"), cap("y"),
                          term::bytes(std::string_view("a"))};
  std::set<term> s(ts.begin(), ts.end());
  CHECK(s.size() == ts.size());
  std::unordered_set<term> h(ts.begin(), ts.end());
  CHECK(h.size() == ts.size());
  for (auto& a : ts)
    for (auto& b : ts) {
      CHECK(((a <=> b) == 0) == (a == b));
      CHECK((a <=> b) == (0 <=> (b <=> a)));
    }
}

TEST_CASE("invalid input is rejected with a reason") {
  CHECK_THROWS_AS(term("\xff"), term_error);
  CHECK_THROWS_AS(cap("1x"), term_error);
  CHECK_THROWS_AS(term(std::uint64_t{1} << 63), term_error);
  CHECK(term(std::uint64_t{5}).as_int() == 5);
}

TEST_CASE("copies share, moves leave false") {
  term a = seq(std::string(50, 'x'));
  term b = a;
  term c = std::move(a);
  CHECK(b == c);
  CHECK(a == term(false));
}

TEST_CASE("very deep terms are destroyed without recursion") {
  term t = 0;
  for (int i = 0; i < 1'000'000; ++i) t = (i % 2) ? seq(t) : rec("n", t, "payload of more than fourteen bytes");
  term shared = t[0];  // a shared subterm survives its parent
  t = term();
  CHECK(shared.is_record("n", 2));
  CHECK(shared[0].is_sequence());
}
