// Random terms for property tests. Deterministic for a given generator state;
// biased towards edge cases (special doubles, integer limits, texts that need
// escapes or quotes, empty and long compounds).
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "agora/term.hpp"
#include "utf8.hpp"  // vm/src: append_utf8

namespace agora::test {

namespace detail {

inline std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

inline bool chance(std::mt19937_64& rng, int percent) {
  return static_cast<int>(pick(rng, 100)) < percent;
}

inline char32_t random_code_point(std::mt19937_64& rng) {
  static constexpr char32_t specials[] = {
      U'"', U'\'', U'\\', U'\n', U'\r', U'\t', U'\b', U'\f', 0x00, 0x1b, 0x7f,
      U' ', U'_', U'-', U'.', U':', U'/', U'$', U'#', U'(', U'[', U',',
      0xe9, 0x80, 0x7ff, 0x800, 0x65e5, 0xfeff, 0xfffd, 0xffff, 0x1f600, 0x10ffff};
  switch (pick(rng, 6)) {
    case 0: return specials[pick(rng, std::size(specials))];
    case 1: {
      char32_t cp = 0x80 + static_cast<char32_t>(pick(rng, 0x10ffff - 0x80));
      return cp >= 0xd800 && cp <= 0xdfff ? cp + 0x800 : cp;  // no surrogates
    }
    default: return static_cast<char32_t>('a' + pick(rng, 26));
  }
}

inline std::string random_text(std::mt19937_64& rng) {
  std::size_t n;
  switch (pick(rng, 4)) {
    case 0: n = pick(rng, 3); break;
    case 1: n = 14 + pick(rng, 3);  break;  // around the inline capacity
    case 2: n = 15 + pick(rng, 60); break;
    default: n = pick(rng, 12); break;
  }
  std::string s;
  for (std::size_t i = 0; i < n; ++i) agora::detail::append_utf8(s, random_code_point(rng));
  return s;
}

inline std::string random_identifier(std::mt19937_64& rng) {
  static constexpr char first[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
  static constexpr char rest[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
  std::string s(1, first[pick(rng, sizeof first - 1)]);
  std::size_t n = pick(rng, 4) == 0 ? 14 + pick(rng, 10) : pick(rng, 8);
  for (std::size_t i = 0; i < n; ++i) s += rest[pick(rng, sizeof rest - 1)];
  return s;
}

inline std::string random_symbol_name(std::mt19937_64& rng) {
  static const char* const awkward[] = {
      "_", "true", "false", "two words", "1abc", "-x", "a-b", "dns.query",
      "tcp/listen", "urn:x", "it's", "q\"", "\u00e9t\u00e9", "$x", "a b(", "inf",
      "nan", "_0", "A"};
  switch (pick(rng, 5)) {
    case 0: return awkward[pick(rng, std::size(awkward))];
    case 1: {
      std::string s = random_text(rng);
      return s.empty() ? "x" : s;
    }
    default: return random_identifier(rng);
  }
}

inline double random_double(std::mt19937_64& rng) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  static constexpr double specials[] = {
      0.0, -0.0, 0.1, -0.1, 1.0, -1.5, 1e16, 1e21, 1e22, 123456789012345680000.0,
      inf, -inf, std::numeric_limits<double>::quiet_NaN(),
      std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(), 2.2250738585072009e-308, 1e-300, 5e-324,
      9007199254740993.0, 0.30000000000000004};
  switch (pick(rng, 5)) {
    case 0: return specials[pick(rng, std::size(specials))];
    case 1: return std::bit_cast<double>(rng());  // any bit pattern, NaNs included
    case 2: return std::bit_cast<double>(rng() & 0x800fffffffffffffULL);  // denormal
    case 3: return static_cast<double>(static_cast<std::int64_t>(rng() % 2001) - 1000);
    default: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
  }
}

inline std::int64_t random_int(std::mt19937_64& rng) {
  switch (pick(rng, 4)) {
    case 0: {
      static constexpr std::int64_t specials[] = {
          0, -1, 1, std::numeric_limits<std::int64_t>::min(),
          std::numeric_limits<std::int64_t>::max(),
          std::numeric_limits<std::int64_t>::min() + 1,
          std::numeric_limits<std::int64_t>::max() - 1};
      return specials[pick(rng, std::size(specials))];
    }
    case 1: return static_cast<std::int64_t>(rng());
    default: return static_cast<std::int64_t>(pick(rng, 2001)) - 1000;
  }
}

}  // namespace detail

/// A random term nested at most `max_depth` compounds deep; with
/// `allow_patterns` it may contain wildcards and captures.
inline term random_term(std::mt19937_64& rng, int max_depth, bool allow_patterns) {
  using namespace detail;
  const std::size_t kinds = allow_patterns ? 10 : 8;
  std::size_t k = pick(rng, kinds);
  if (max_depth > 0 && pick(rng, 3) == 0) k = 6 + pick(rng, 2);  // more compounds
  if (max_depth <= 0 && (k == 6 || k == 7)) k = pick(rng, 6);
  switch (k) {
    case 0: return term(chance(rng, 50));
    case 1: return term(random_int(rng));
    case 2: return term(random_double(rng));
    case 3: return term(random_text(rng));
    case 4: {
      std::string b(pick(rng, 3) == 0 ? 15 + pick(rng, 40) : pick(rng, 10), '\0');
      for (char& c : b) c = static_cast<char>(rng());
      return term::bytes(std::string_view(b));
    }
    case 5: return term::symbol(random_symbol_name(rng));
    case 6:
    case 7: {
      std::size_t n = pick(rng, 5) == 0 ? 0 : pick(rng, 4) == 0 ? pick(rng, 20) : pick(rng, 5);
      std::vector<term> items;
      items.reserve(n);
      for (std::size_t i = 0; i < n; ++i)
        items.push_back(random_term(rng, max_depth - 1, allow_patterns));
      if (k == 6) return term::sequence(std::move(items));
      return term::record(random_symbol_name(rng), std::move(items));
    }
    case 8: return term::wildcard();
    default: return term::capture(random_identifier(rng));
  }
}

}  // namespace agora::test
