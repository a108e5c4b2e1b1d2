#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "agora/pattern.hpp"
#include "random_patterns.hpp"

using namespace agora;
using agora::test::show;

namespace {

using path = std::vector<std::size_t>;

// Where the captures of p are, depth-first left to right.
void capture_paths(const term& p, path& at, std::vector<std::pair<term, path>>& out) {
  if (p.is_capture()) out.emplace_back(p, at);
  for (std::size_t i = 0; i < p.size(); ++i) {
    at.push_back(i);
    capture_paths(p[i], at, out);
    at.pop_back();
  }
}

const term& subterm(const term& t, const path& at) {
  const term* s = &t;
  for (std::size_t i : at) s = &(*s)[i];
  return *s;
}

bool has_capture(const term& t) {
  if (t.is_capture()) return true;
  for (const auto& i : t.items())
    if (has_capture(i)) return true;
  return false;
}

}  // namespace

TEST_CASE("matches: wildcards, captures, atoms and shapes") {
  CHECK(matches(_, 1));
  CHECK(matches(_, rec("f", seq(1, 2))));
  CHECK(matches(cap("x"), "hello"));
  CHECK(matches(1, 1));
  CHECK_FALSE(matches(1, 2));
  CHECK_FALSE(matches(1, 1.0));
  CHECK_FALSE(matches(sym("a"), "a"));
  CHECK(matches(rec("inbox", _), rec("inbox", 7)));
  CHECK_FALSE(matches(rec("inbox", _), rec("outbox", 7)));
  CHECK_FALSE(matches(rec("f", _), rec("f", 1, 2)));        // arity differs
  CHECK_FALSE(matches(rec("f", _, _), rec("f", 1)));
  CHECK_FALSE(matches(rec("f"), sym("f")));
  CHECK_FALSE(matches(seq(_), seq()));                      // length differs
  CHECK_FALSE(matches(seq(_, _), seq(1, 2, 3)));
  CHECK_FALSE(matches(seq(_), rec("f", 1)));
  CHECK(matches(seq(), seq()));
  CHECK(matches(seq(1, _, seq(_, 3)), seq(1, "two", seq(sym("x"), 3))));
  CHECK_FALSE(matches(seq(1, _, seq(_, 3)), seq(1, "two", seq(sym("x"), 4))));
  CHECK(matches(rec("tcp", rec("peer", "10.0.0.2", _), cap("l"), _),
                rec("tcp", rec("peer", "10.0.0.2", 40312), rec("listener", 5999), 1)));
}

TEST_CASE("matches: a flow fits a pattern only where the pattern is at least as general") {
  CHECK(matches(rec("f", _), rec("f", _)));
  CHECK(matches(rec("f", cap("x")), rec("f", _)));
  CHECK(matches(_, rec("f", _)));
  CHECK_FALSE(matches(rec("f", 1), rec("f", _)));
  CHECK_FALSE(matches(rec("f", seq(_)), rec("f", _)));
  CHECK(matches(rec("f", _, 2), rec("f", seq(_), 2)));
  CHECK_FALSE(matches(1, _));
  // A capture in the value counts as a wildcard.
  CHECK_FALSE(matches(1, cap("x")));
  CHECK(matches(cap("y"), cap("x")));
}

TEST_CASE("match: captures bind subterms in depth-first order") {
  term p = rec("say", cap("who"), seq(cap("first"), _, rec("at", cap("when"))));
  term t = rec("say", "alice", seq(1, 2, rec("at", 99)));
  auto b = match(p, t);
  REQUIRE(b);
  CHECK(b->size() == 3);
  CHECK((*b)["who"] == term("alice"));
  CHECK((*b)["first"] == term(1));
  CHECK((*b)["when"] == term(99));
  std::vector<std::string_view> order;
  for (const auto& x : *b) order.push_back(x.name.capture_name());
  CHECK(order == std::vector<std::string_view>{"who", "first", "when"});
  CHECK(b->contains("who"));
  CHECK_FALSE(b->contains("nobody"));
  CHECK(b->find("nobody") == nullptr);
  CHECK_THROWS_AS((*b)["nobody"], term_error);

  CHECK_FALSE(match(p, rec("say", "alice", seq(1, 2, rec("at", 99, 100)))));
  auto whole = match(cap("all"), t);
  REQUIRE(whole);
  CHECK((*whole)["all"] == t);
  auto none = match(rec("f", 1), rec("f", 1));
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("match: the same capture name twice binds independently") {
  auto b = match(seq(cap("x"), cap("x")), seq(1, 2));
  REQUIRE(b);
  REQUIRE(b->size() == 2);
  CHECK((*b)["x"] == term(1));  // lookup by name gives the first
  CHECK(std::next(b->begin())->value == term(2));
}

TEST_CASE("match_into clears its output, also on failure") {
  bindings b;
  b.add(cap("stale"), 0);
  CHECK(match_into(rec("f", cap("x")), rec("f", 5), b));
  CHECK(b.size() == 1);
  CHECK(b["x"] == term(5));
  // Fails after binding $x: nothing partial is left behind.
  CHECK_FALSE(match_into(rec("f", cap("x"), 2), rec("f", 5, 3), b));
  CHECK(b.empty());
}

TEST_CASE("overlap: intersections of patterns") {
  CHECK(overlap(rec("f", _, 1), rec("f", 2, _)) == rec("f", 2, 1));
  CHECK(overlap(_, _) == _);
  CHECK(overlap(cap("x"), cap("y")) == _);
  CHECK(overlap(_, rec("f", cap("x"), 1)) == rec("f", _, 1));
  CHECK(overlap(rec("f", cap("x")), rec("f", seq(_, cap("y")))) == rec("f", seq(_, _)));
  CHECK(overlap(1, 1) == term(1));
  CHECK_FALSE(overlap(1, 2));
  CHECK_FALSE(overlap(rec("f", _), rec("f", _, _)));  // different arity
  CHECK_FALSE(overlap(rec("f", _), rec("g", _)));
  CHECK_FALSE(overlap(seq(_), seq(_, _)));            // different length
  CHECK_FALSE(overlap(seq(_), rec("f", _)));
  CHECK_FALSE(overlap(rec("f", _, 1), rec("f", 2, 3)));
  CHECK(overlap(seq(rec("a", _), _), seq(_, rec("b", _))) == seq(rec("a", _), rec("b", _)));
  CHECK(overlaps(rec("f", _, 1), rec("f", 2, _)));
  CHECK_FALSE(overlaps(seq(_), seq(_, _)));
  CHECK(overlaps(cap("x"), 3));
}

TEST_CASE("strip_captures") {
  CHECK(strip_captures(cap("x")) == _);
  CHECK(strip_captures(rec("f", cap("x"), seq(1, cap("y"), _))) == rec("f", _, seq(1, _, _)));
  term concrete = rec("f", 1, seq(2));
  CHECK(strip_captures(concrete) == concrete);
  CHECK(strip_captures(seq(_, 1)) == seq(_, 1));
  CHECK_FALSE(has_capture(strip_captures(seq(seq(seq(cap("deep")))))));
}

TEST_CASE("deep terms") {
  // Right-nested: matched by iteration, any depth.
  term t = 0, p = _, q = cap("end");
  for (int i = 0; i < 20000; ++i) {
    t = rec("c", i, t);
    p = rec("c", i, p);
    q = rec("c", _, q);
  }
  CHECK(matches(p, t));
  CHECK(matches(q, t));
  CHECK(overlaps(p, q));
  CHECK(overlap(p, q) == p);
  CHECK(match(q, t)->size() == 1);
  // Left-nested: recursion, one frame per level.
  term l = 0, lp = _;
  for (int i = 0; i < 5000; ++i) {
    l = seq(l, i);
    lp = seq(lp, i);
  }
  CHECK(matches(lp, l));
  CHECK_FALSE(matches(lp, seq(l, 1)));
  CHECK(overlap(lp, strip_captures(lp)) == lp);
}

TEST_CASE("properties of matches, match and overlap on random patterns") {
  std::mt19937_64 rng(20240611);
  constexpr int rounds = 20000;
  int both = 0, overlapping = 0, flows = 0, captured = 0;
  for (int round = 0; round < rounds; ++round) {
    term base = test::small_term(rng, 3);
    term p = test::perturb(rng, base, 0.25, 0.15);
    term q = test::perturb(rng, base, 0.25, 0.15);
    bool flow = test::coin(rng, 0.3);
    term t = test::perturb(rng, base, flow ? 0.3 : 0.0, 0.15, /*captures=*/false);
    INFO("p = ", show(p), ", q = ", show(q), ", t = ", show(t));

    auto o = overlap(p, q);
    CHECK(overlaps(p, q) == o.has_value());
    CHECK(overlaps(q, p) == o.has_value());
    CHECK(overlap(q, p) == o);
    bool in_both = matches(p, t) && matches(q, t);
    if (o) {
      ++overlapping;
      CHECK_FALSE(has_capture(*o));
      CHECK(matches(p, *o));
      CHECK(matches(q, *o));
      CHECK(matches(*o, t) == in_both);
    } else {
      CHECK_FALSE(in_both);
    }
    both += in_both;
    flows += !t.is_concrete();

    CHECK(matches(strip_captures(p), t) == matches(p, t));
    auto b = match(p, t);
    CHECK(b.has_value() == matches(p, t));
    if (b) {
      path at;
      std::vector<std::pair<term, path>> caps;
      capture_paths(p, at, caps);
      REQUIRE(b->size() == caps.size());
      std::size_t i = 0;
      for (const auto& x : *b) {
        CHECK(x.name == caps[i].first);
        CHECK(x.value == subterm(t, caps[i].second));
        ++i;
      }
      captured += !caps.empty();
    }
  }
  // The generator must produce enough interesting cases to mean something.
  CHECK(both > rounds / 10);
  CHECK(overlapping > rounds / 4);
  CHECK(overlapping < rounds * 9 / 10);
  CHECK(flows > rounds / 20);
  CHECK(captured > rounds / 10);
  MESSAGE("in both: ", both, ", overlapping: ", overlapping, ", flows: ", flows,
          ", with captures bound: ", captured);
}
