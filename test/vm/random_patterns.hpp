// Random terms and patterns over small alphabets, so that random patterns,
// flows and messages match each other often enough to test something.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "agora/term.hpp"

namespace agora::test {

inline bool coin(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

inline std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

/// A small concrete term: atoms from a handful of values, records f/g/h and
/// sequences with 0-2 items, nested up to max_depth.
inline term small_term(std::mt19937_64& rng, int max_depth) {
  static const char* const labels[] = {"f", "g", "h"};
  std::size_t choice = pick(rng, max_depth > 0 ? 12 : 6);
  switch (choice) {
    case 0: return term(static_cast<int>(pick(rng, 3)));
    case 1: return sym(pick(rng, 2) ? "a" : "b");
    case 2: return term(pick(rng, 2) ? "x" : "a long string that lives on the heap");
    case 3: return term(pick(rng, 2) == 1);
    case 4: return term(pick(rng, 2) ? 0.5 : -0.0);
    case 5: return term::bytes(std::string_view("\x01", 1));
    default: break;
  }
  std::vector<term> items(pick(rng, 3));
  for (auto& i : items) i = small_term(rng, max_depth - 1);
  if (choice >= 9) return term::sequence(std::move(items));
  return term::record(labels[pick(rng, 3)], std::move(items));
}

/// t with some subterms (each with probability `holes`) replaced by `_` or
/// by captures $x / $y, and some (probability `noise`) by another random
/// term, so that the result sometimes stops matching t.
inline term perturb(std::mt19937_64& rng, const term& t, double holes, double noise,
                    bool captures = true) {
  if (coin(rng, holes)) {
    if (!captures || coin(rng, 0.5)) return _;
    return cap(coin(rng, 0.5) ? "x" : "y");
  }
  if (coin(rng, noise)) return small_term(rng, 1);
  if (t.is_sequence() || t.is_record()) {
    std::vector<term> items;
    for (const auto& i : t.items()) items.push_back(perturb(rng, i, holes, noise, captures));
    return t.is_record() ? term::record(t.label_term(), items)
                         : term::sequence(std::move(items));
  }
  return t;
}

/// A random pattern: a small term with holes punched into it (rarely at the
/// top, where a hole would match everything).
inline term small_pattern(std::mt19937_64& rng, int max_depth) {
  term t = small_term(rng, max_depth);
  if (t.size() == 0) return perturb(rng, t, 0.02, 0.0);
  std::vector<term> items;
  for (const auto& i : t.items()) items.push_back(perturb(rng, i, 0.25, 0.0));
  return t.is_record() ? term::record(t.label_term(), items)
                       : term::sequence(std::move(items));
}

/// Compact text for failure messages (independent of the text printer).
inline std::string show(const term& t) {
  switch (t.kind()) {
    case kind::boolean: return t.as_bool() ? "true" : "false";
    case kind::integer: return std::to_string(t.as_int());
    case kind::real: return std::to_string(t.as_double());
    case kind::string: return '"' + std::string(t.as_string()) + '"';
    case kind::bytes: return "#bytes" + std::to_string(t.as_bytes().size());
    case kind::symbol: return std::string(t.as_symbol());
    case kind::wildcard: return "_";
    case kind::capture: return "$" + std::string(t.capture_name());
    case kind::sequence:
    case kind::record: break;
  }
  std::string s = t.is_record() ? std::string(t.label()) + "(" : "[";
  for (std::size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + show(t[i]);
  return s + (t.is_record() ? ")" : "]");
}

}  // namespace agora::test
