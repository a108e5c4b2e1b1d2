#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "agora/pattern.hpp"
#include "random_patterns.hpp"
#include "routing_index.hpp"  // vm/src: private to vm/

using namespace agora;
using agora::test::show;
using entries = std::vector<routing_index::entry>;

namespace {

entries sorted(entries v) {
  std::sort(v.begin(), v.end());
  return v;
}

entries matching(const routing_index& ix, const term& m) {
  entries out;
  ix.for_each_match(m, [&](routing_index::entry e) { out.push_back(e); });
  return sorted(out);
}

entries overlapping(const routing_index& ix, const term& p) {
  entries out;
  ix.for_each_overlap(p, [&](routing_index::entry e) { out.push_back(e); });
  return sorted(out);
}

// The reference: a list scanned with matches() / overlaps().
struct naive_index {
  std::vector<std::pair<term, routing_index::entry>> list;

  void add(const term& p, routing_index::entry e) { list.emplace_back(p, e); }
  bool remove(const term& p, routing_index::entry e) {
    term key = strip_captures(p);
    for (auto it = list.begin(); it != list.end(); ++it)
      if (it->second == e && strip_captures(it->first) == key) {
        list.erase(it);
        return true;
      }
    return false;
  }
  entries matching(const term& m) const {
    entries out;
    for (const auto& [p, e] : list)
      if (matches(p, m)) out.push_back(e);
    return sorted(out);
  }
  entries overlapping(const term& q) const {
    entries out;
    for (const auto& [p, e] : list)
      if (overlaps(p, q)) out.push_back(e);
    return sorted(out);
  }
};

// p with every hole filled by a random small term: a message that p matches.
term instance(std::mt19937_64& rng, const term& p) {
  if (p.is_wildcard() || p.is_capture()) return test::small_term(rng, 1);
  if (p.is_concrete()) return p;
  std::vector<term> items;
  for (const auto& i : p.items()) items.push_back(instance(rng, i));
  return p.is_record() ? term::record(p.label_term(), items) : term::sequence(std::move(items));
}

}  // namespace

TEST_CASE("routing index: match and overlap examples") {
  routing_index ix;
  CHECK(ix.empty());
  CHECK(ix.node_count() == 1);
  ix.add(rec("inbox", 1), 1);
  ix.add(rec("inbox", 2), 2);
  ix.add(rec("inbox", _), 3);
  ix.add(rec("inbox", cap("n")), 4);
  ix.add(_, 5);
  ix.add(rec("inbox", 1, 2), 6);                    // other arity
  ix.add(rec("outbox", 1), 7);                      // other label
  ix.add(seq(1), 8);
  ix.add(seq(1, _), 9);                             // other length
  ix.add(sym("inbox"), 10);                         // not a record
  ix.add(rec("inbox", seq(rec("deep", _), 3)), 11);
  CHECK(ix.size() == 11);

  CHECK(matching(ix, rec("inbox", 1)) == entries{1, 3, 4, 5});
  CHECK(matching(ix, rec("inbox", 3)) == entries{3, 4, 5});
  CHECK(matching(ix, rec("inbox", 1, 2)) == entries{5, 6});
  CHECK(matching(ix, seq(1)) == entries{5, 8});
  CHECK(matching(ix, seq(1, 1)) == entries{5, 9});
  CHECK(matching(ix, seq()) == entries{5});
  CHECK(matching(ix, sym("inbox")) == entries{5, 10});
  CHECK(matching(ix, rec("inbox")) == entries{5});
  CHECK(matching(ix, rec("inbox", seq(rec("deep", seq()), 3))) == entries{3, 4, 5, 11});
  CHECK(matching(ix, rec("inbox", seq(rec("deep", seq()), 4))) == entries{3, 4, 5});
  // A flow: its wildcard is only matched by wildcards.
  CHECK(matching(ix, rec("inbox", _)) == entries{3, 4, 5});

  CHECK(overlapping(ix, rec("inbox", _)) == entries{1, 2, 3, 4, 5, 11});
  CHECK(overlapping(ix, rec("inbox", seq(_, _))) == entries{3, 4, 5, 11});
  CHECK(overlapping(ix, rec("inbox", seq(_, 4))) == entries{3, 4, 5});
  CHECK(overlapping(ix, rec("inbox", 2)) == entries{2, 3, 4, 5});
  CHECK(overlapping(ix, seq(cap("a"), 2)) == entries{5, 9});
  CHECK(overlapping(ix, _) == entries{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(overlapping(ix, rec("nothing", _)) == entries{5});
}

TEST_CASE("routing index: duplicates, removal up to capture names, pruning") {
  routing_index ix;
  ix.add(rec("inbox", 1), 1);
  CHECK(ix.node_count() == 3);  // root, inbox/1, 1
  ix.add(rec("inbox", 1), 1);
  ix.add(rec("t", cap("x"), 2), 2);
  CHECK(matching(ix, rec("inbox", 1)) == entries{1, 1});
  CHECK(ix.size() == 3);
  CHECK(ix.remove(rec("inbox", 1), 1));
  CHECK(matching(ix, rec("inbox", 1)) == entries{1});
  CHECK_FALSE(ix.remove(rec("inbox", 1), 2));
  CHECK_FALSE(ix.remove(rec("inbox", 2), 1));
  CHECK_FALSE(ix.remove(rec("inbox", 1, 2), 1));
  CHECK_FALSE(ix.remove(rec("t", 1, 2), 2));
  CHECK(ix.remove(rec("t", cap("other"), 2), 2));  // same pattern up to capture names
  CHECK(ix.remove(rec("inbox", 1), 1));
  CHECK_FALSE(ix.remove(rec("inbox", 1), 1));
  CHECK(ix.empty());
  CHECK(ix.node_count() == 1);
}

TEST_CASE("routing index: many subscribers of one topic") {
  routing_index ix;
  constexpr int n = 10000;
  for (int i = 0; i < n; ++i) ix.add(rec("topic", "news"), static_cast<routing_index::entry>(i));
  ix.add(rec("topic", "news"), 7);  // a duplicate inside a big leaf
  CHECK(ix.node_count() == 3);
  CHECK(matching(ix, rec("topic", "news")).size() == n + 1);
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  for (int k = 0; k < n; ++k) {
    CHECK(ix.remove(rec("topic", "news"), static_cast<routing_index::entry>(order[static_cast<std::size_t>(k)])));
    if (k % 1000 == 0 || k > n - 20) {
      entries expect(order.begin() + k + 1, order.end());
      expect.push_back(7);
      CHECK(matching(ix, rec("topic", "news")) == sorted(expect));
    }
  }
  CHECK(matching(ix, rec("topic", "news")) == entries{7});
  CHECK(ix.remove(rec("topic", "news"), 7));
  CHECK(ix.node_count() == 1);
}

TEST_CASE("routing index: many distinct topics under one node, and pruning") {
  routing_index ix;
  constexpr int n = 5000;
  for (int i = 0; i < n; ++i) ix.add(rec("inbox", i), static_cast<routing_index::entry>(i));
  ix.add(rec("inbox", _), 99999);
  CHECK(ix.node_count() == static_cast<std::size_t>(n + 3));
  for (int i = 0; i < n; i += 97)
    CHECK(matching(ix, rec("inbox", i)) == entries{static_cast<routing_index::entry>(i), 99999});
  CHECK(matching(ix, rec("inbox", n)) == entries{99999});
  CHECK(overlapping(ix, rec("inbox", _)).size() == n + 1);
  for (int i = 0; i < n; i += 2) CHECK(ix.remove(rec("inbox", i), static_cast<routing_index::entry>(i)));
  for (int i = 0; i < n; ++i)
    CHECK(matching(ix, rec("inbox", i)).size() == (i % 2 ? 2u : 1u));
  for (int i = 1; i < n; i += 2) CHECK(ix.remove(rec("inbox", i), static_cast<routing_index::entry>(i)));
  CHECK(ix.node_count() == 3);
  CHECK(ix.remove(rec("inbox", cap("any")), 99999));
  CHECK(ix.node_count() == 1);
}

TEST_CASE("routing index: long and deep patterns do not use the call stack") {
  routing_index ix;
  std::vector<term> items;
  for (int i = 0; i < 100000; ++i) items.push_back(i);
  term wide = term::sequence(items);
  items.back() = _;
  term wide_pattern = term::sequence(items);
  ix.add(wide_pattern, 1);
  term deep = 0, deep_pattern = _;
  for (int i = 0; i < 20000; ++i) {
    deep = rec("c", deep);
    deep_pattern = rec("c", deep_pattern);
  }
  ix.add(deep_pattern, 2);
  CHECK(matching(ix, wide) == entries{1});
  CHECK(matching(ix, deep) == entries{2});
  CHECK(overlapping(ix, _) == entries{1, 2});
  CHECK(overlapping(ix, deep) == entries{2});
  CHECK(ix.remove(deep_pattern, 2));
  // The index is destroyed with the wide pattern still in it.
}

TEST_CASE("routing index: a callback may query the index again") {
  routing_index ix;
  ix.add(rec("a", _), 1);
  ix.add(rec("b", _), 2);
  entries inner;
  ix.for_each_match(rec("a", 1), [&](routing_index::entry) {
    ix.for_each_match(rec("b", 1), [&](routing_index::entry e) { inner.push_back(e); });
  });
  CHECK(inner == entries{2});
}

TEST_CASE("routing index: moved-from index is empty and usable") {
  routing_index a;
  a.add(rec("x"), 1);
  routing_index b = std::move(a);
  CHECK(matching(b, rec("x")) == entries{1});
  CHECK(a.empty());                  // NOLINT(bugprone-use-after-move)
  CHECK(matching(a, rec("x")).empty());
  a.add(rec("y"), 2);
  CHECK(matching(a, rec("y")) == entries{2});
}

TEST_CASE("routing index: differential test against a linear scan") {
  std::mt19937_64 rng(4242);
  routing_index ix;
  naive_index ref;
  std::vector<term> pool;
  for (int i = 0; i < 1500; ++i) pool.push_back(test::small_pattern(rng, i % 4 + 1));

  std::size_t queries = 0, hits = 0, removed = 0;
  for (int op = 0; op < 30000; ++op) {
    double r = std::uniform_real_distribution<double>(0, 1)(rng);
    if (r < 0.45) {
      const term& p = pool[test::pick(rng, pool.size())];
      auto e = static_cast<routing_index::entry>(test::pick(rng, 40));
      ix.add(p, e);
      ref.add(p, e);
    } else if (r < 0.75) {
      term p;
      routing_index::entry e;
      if (!ref.list.empty() && test::coin(rng, 0.8)) {
        const auto& [sp, se] = ref.list[test::pick(rng, ref.list.size())];
        p = test::coin(rng, 0.5) ? strip_captures(sp) : sp;
        e = se;
      } else {
        p = pool[test::pick(rng, pool.size())];
        e = static_cast<routing_index::entry>(test::pick(rng, 40));
      }
      INFO("remove ", show(p), " ", e);
      bool expected = ref.remove(p, e);
      CHECK(ix.remove(p, e) == expected);
      removed += expected;
    } else {
      const term& base = pool[test::pick(rng, pool.size())];
      term m = instance(rng, base);
      if (test::coin(rng, 0.3)) m = test::perturb(rng, m, 0.0, 0.2);
      if (test::coin(rng, 0.1)) m = test::perturb(rng, m, 0.2, 0.0, false);  // a flow
      term q = test::perturb(rng, base, 0.2, 0.1);
      INFO("message ", show(m), ", pattern ", show(q));
      auto want = ref.matching(m);
      CHECK(matching(ix, m) == want);
      CHECK(overlapping(ix, q) == ref.overlapping(q));
      ++queries;
      hits += !want.empty();
    }
    REQUIRE(ix.size() == ref.list.size());
  }
  MESSAGE("queries: ", queries, ", with matches: ", hits, ", removals: ", removed,
          ", stored at the end: ", ref.list.size(), ", nodes: ", ix.node_count());
  CHECK(hits > queries / 2);
  CHECK(hits < queries);

  std::shuffle(ref.list.begin(), ref.list.end(), rng);
  for (const auto& [p, e] : ref.list) CHECK(ix.remove(p, e));
  CHECK(ix.empty());
  CHECK(ix.node_count() == 1);
}

TEST_CASE("routing index: differential test with wide nodes (hashed children and entries)") {
  std::mt19937_64 rng(99);
  routing_index ix;
  naive_index ref;
  auto field = [&rng]() -> term {
    if (test::coin(rng, 0.05)) return _;
    return static_cast<int>(test::pick(rng, 300));
  };
  for (int op = 0; op < 40000; ++op) {
    double r = std::uniform_real_distribution<double>(0, 1)(rng);
    if (r < 0.5) {
      term p = rec(test::coin(rng, 0.5) ? "t" : "u", field(), field());
      auto e = static_cast<routing_index::entry>(test::pick(rng, 3000));
      ix.add(p, e);
      ref.add(p, e);
    } else if (r < 0.9 && !ref.list.empty()) {
      auto [p, e] = ref.list[test::pick(rng, ref.list.size())];
      REQUIRE(ref.remove(p, e));
      REQUIRE(ix.remove(p, e));
    } else {
      term m = rec(test::coin(rng, 0.5) ? "t" : "u", field(), field());
      INFO("query ", show(m));
      if (m.is_concrete()) CHECK(matching(ix, m) == ref.matching(m));
      CHECK(overlapping(ix, m) == ref.overlapping(m));
    }
  }
  // Everything under one topic: one big entry table.
  for (int i = 0; i < 3000; ++i) {
    ix.add(rec("t", 1, 1), static_cast<routing_index::entry>(i % 1000));
    ref.add(rec("t", 1, 1), static_cast<routing_index::entry>(i % 1000));
  }
  CHECK(matching(ix, rec("t", 1, 1)) == ref.matching(rec("t", 1, 1)));
  std::shuffle(ref.list.begin(), ref.list.end(), rng);
  for (std::size_t i = 0; i < ref.list.size(); ++i) {
    CHECK(ix.remove(ref.list[i].first, ref.list[i].second));
    if (i % 512 == 0) {
      naive_index rest{{ref.list.begin() + static_cast<std::ptrdiff_t>(i) + 1, ref.list.end()}};
      CHECK(matching(ix, rec("t", 1, 1)) == rest.matching(rec("t", 1, 1)));
      CHECK(overlapping(ix, rec("u", _, 7)) == rest.overlapping(rec("u", _, 7)));
    }
  }
  CHECK(ix.empty());
  CHECK(ix.node_count() == 1);
}

TEST_CASE("routing index: answers kept by shape agree with a linear scan while the index changes") {
  // Patterns where a record's label and arity decide (s(_, _)), next to ones
  // where the fields do (s(1, _)), and the wildcard at the root.
  const std::vector<term> patterns = {
      rec("s", _, _),  rec("s", cap("a"), _), rec("s", _),     rec("s", _, _, _), rec("s"),
      rec("t", _, _),  rec("s", 1, _),        rec("s", _, 2),  rec("s", _, rec("t", _)),
      _,               cap("x"),              rec("u", _, _),  rec("u", _, _, _)};
  std::mt19937_64 rng(2026);
  auto field = [&rng]() -> term {
    switch (test::pick(rng, 4)) {
      case 0: return 1;
      case 1: return 2;
      case 2: return rec("t", static_cast<int>(test::pick(rng, 3)));
      default: return "x";
    }
  };
  auto message = [&]() -> term {
    const char* label = test::coin(rng, 0.6) ? "s" : test::coin(rng, 0.5) ? "t" : "u";
    switch (test::pick(rng, 4)) {
      case 0: return rec(label);
      case 1: return rec(label, field());
      case 2: return rec(label, field(), field());
      default: return rec(label, field(), field(), field());
    }
  };
  routing_index ix;
  naive_index ref;
  for (int op = 0; op < 20000; ++op) {
    const double r = std::uniform_real_distribution<double>(0, 1)(rng);
    if (r < 0.15) {
      const term& p = patterns[test::pick(rng, patterns.size())];
      const auto e = static_cast<routing_index::entry>(test::pick(rng, 20));
      ix.add(p, e);
      ref.add(p, e);
    } else if (r < 0.3 && !ref.list.empty()) {
      auto [p, e] = ref.list[test::pick(rng, ref.list.size())];
      REQUIRE(ref.remove(p, e));
      REQUIRE(ix.remove(p, e));
    } else {
      // Runs of one shape, as a stream of messages gives.
      const term m = message();
      for (int k = 0; k < 3; ++k) {
        const term same = k == 0 ? m : test::coin(rng, 0.5) ? m : message();
        INFO("message ", show(same));
        CHECK(matching(ix, same) == ref.matching(same));
      }
    }
  }
}

TEST_CASE("routing index: a callback may query the index during an answer kept by shape") {
  routing_index ix;
  ix.add(rec("s", _, _), 1);
  ix.add(rec("s", _, _), 2);
  ix.add(rec("t", _), 3);
  CHECK(matching(ix, rec("s", 1, 2)) == entries{1, 2});  // now kept
  entries outer, inner;
  ix.for_each_match(rec("s", 3, 4), [&](routing_index::entry e) {
    outer.push_back(e);
    ix.for_each_match(rec("t", 5), [&](routing_index::entry f) { inner.push_back(f); });
  });
  CHECK(sorted(outer) == entries{1, 2});
  CHECK(inner == entries{3, 3});
  ix.remove(rec("s", _, _), 2);
  CHECK(matching(ix, rec("s", 1, 2)) == entries{1});
}
