#include <doctest/doctest.h>

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <stdexcept>
#include <random>
#include <string>
#include <vector>

#include "agora/binary.hpp"
#include "binary_general.hpp"  // vm/src: the decoder without its fast path
#include "random_terms.hpp"

using namespace agora;
using agora::test::random_term;

namespace {

using bytes_t = std::vector<std::byte>;

bytes_t bytes(std::initializer_list<int> values) {
  bytes_t out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

bytes_t operator+(bytes_t a, const bytes_t& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes_t ascii(std::string_view s) {
  bytes_t out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

std::string hex(const bytes_t& b) {
  std::string s;
  for (std::byte x : b) s += fmt::format("{:02x} ", static_cast<unsigned>(x));
  if (!s.empty()) s.pop_back();
  return s;
}

// "at byte N: message" for a rejected input (checking that what(), offset()
// and message() agree), "accepted" otherwise.
std::string rejection(const bytes_t& in, const decode_limits& limits = {}) {
  try {
    decode(in, limits);
  } catch (const decode_error& e) {
    std::string expected = fmt::format("at byte {}: {}", e.offset(), e.message());
    CHECK(e.what() == expected);
    CHECK(e.offset() <= in.size());
    return e.what();
  }
  return "accepted";
}

term nested_sequences(std::size_t depth) {
  term t = seq();
  for (std::size_t i = 1; i < depth; ++i) t = term::sequence(std::vector<term>{t});
  return t;
}

}  // namespace

// ---- golden encodings -------------------------------------------------------

TEST_CASE("binary: golden encodings of scalars") {
  CHECK(hex(encode(false)) == "01 00");
  CHECK(hex(encode(true)) == "01 01");
  CHECK(hex(encode(_)) == "01 02");

  CHECK(hex(encode(0)) == "01 20");
  CHECK(hex(encode(-1)) == "01 21");
  CHECK(hex(encode(1)) == "01 22");
  CHECK(hex(encode(15)) == "01 3e");
  CHECK(hex(encode(-15)) == "01 3d");
  CHECK(hex(encode(16)) == "01 3f 20");
  CHECK(hex(encode(-16)) == "01 3f 1f");
  CHECK(hex(encode(42)) == "01 3f 54");
  CHECK(hex(encode(63)) == "01 3f 7e");
  CHECK(hex(encode(64)) == "01 3f 80 01");
  CHECK(hex(encode(std::numeric_limits<std::int64_t>::max())) ==
        "01 3f fe ff ff ff ff ff ff ff ff 01");
  CHECK(hex(encode(std::numeric_limits<std::int64_t>::min())) ==
        "01 3f ff ff ff ff ff ff ff ff ff 01");

  CHECK(hex(encode(1.0)) == "01 03 00 00 00 00 00 00 f0 3f");
  CHECK(hex(encode(-0.0)) == "01 03 00 00 00 00 00 00 00 80");
  CHECK(hex(encode(INFINITY)) == "01 03 00 00 00 00 00 00 f0 7f");
  CHECK(hex(encode(NAN)) == "01 03 00 00 00 00 00 00 f8 7f");
  CHECK(hex(encode(-NAN)) == "01 03 00 00 00 00 00 00 f8 7f");
}

TEST_CASE("binary: golden encodings of texts") {
  CHECK(hex(encode("")) == "01 40");
  CHECK(hex(encode("hi")) == "01 42 68 69");
  CHECK(hex(encode("é")) == "01 42 c3 a9");
  CHECK(hex(encode(term::bytes(std::string_view("\x00\xff", 2)))) == "01 62 00 ff");
  CHECK(hex(encode(term::bytes(std::string_view()))) == "01 60");
  CHECK(hex(encode(sym("abc"))) == "01 83 61 62 63");
  CHECK(hex(encode(sym(""))) == "01 80");
  CHECK(hex(encode(cap("x"))) == "01 a1 78");

  // 30 octets still fit in the tag, 31 need a varint.
  CHECK(encode(std::string(30, 'a')) == bytes({0x01, 0x5e}) + ascii(std::string(30, 'a')));
  CHECK(encode(std::string(31, 'a')) == bytes({0x01, 0x5f, 0x1f}) + ascii(std::string(31, 'a')));
  CHECK(encode(std::string(200, 'a')) ==
        bytes({0x01, 0x5f, 0xc8, 0x01}) + ascii(std::string(200, 'a')));
}

TEST_CASE("binary: golden encodings of compounds") {
  CHECK(hex(encode(seq())) == "01 c0");
  CHECK(hex(encode(seq(1, "two", sym("three")))) ==
        "01 c3 22 43 74 77 6f 85 74 68 72 65 65");
  CHECK(hex(encode(rec("stop"))) == "01 e0 04 73 74 6f 70");
  CHECK(hex(encode(rec("say", "alice", 42))) ==
        "01 e2 03 73 61 79 45 61 6c 69 63 65 3f 54");
  CHECK(hex(encode(rec("p", _, cap("who")))) == "01 e2 01 70 02 a3 77 68 6f");
  CHECK(hex(encode(seq(seq(), rec("x", seq())))) == "01 c2 c0 e1 01 78 c0");
  CHECK(hex(encode(term::record(std::string_view(), std::vector<term>{}))) == "01 e0 00");

  std::vector<term> thirty_one(31, term(true));
  CHECK(encode(term::sequence(thirty_one)) ==
        bytes({0x01, 0xdf, 0x1f}) + bytes_t(31, std::byte{0x01}));
  CHECK(encode(term::record("r", thirty_one)) ==
        bytes({0x01, 0xff, 0x1f, 0x01, 0x72}) + bytes_t(31, std::byte{0x01}));
  std::vector<term> thirty(30, term(false));
  CHECK(encode(term::sequence(thirty)) == bytes({0x01, 0xde}) + bytes_t(30, std::byte{0x00}));
}

TEST_CASE("binary: golden encodings decode back") {
  CHECK(decode(bytes({0x01, 0x3f, 0x54})) == term(42));
  CHECK(decode(bytes({0x01, 0xe2, 0x03, 0x73, 0x61, 0x79, 0x45, 0x61, 0x6c, 0x69, 0x63, 0x65,
                      0x3f, 0x54})) == rec("say", "alice", 42));
  CHECK(decode(bytes({0x01, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})) ==
        term(std::numeric_limits<std::int64_t>::min()));
  CHECK(decode(std::string_view("\x01\x42hi", 4)) == term("hi"));
  term nan = decode(bytes({0x01, 0x03, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}));
  CHECK(std::isnan(nan.as_double()));
  CHECK(std::signbit(decode(bytes({0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x80})).as_double()));
}

TEST_CASE("binary: encode appends to the output") {
  bytes_t out = bytes({0xaa});
  encode(term(1), out);
  encode(term(true), out);
  CHECK(hex(out) == "aa 01 22 01 01");
}

// ---- round trips ------------------------------------------------------------

namespace {

void check_round_trip(const term& t) {
  bytes_t enc = encode(t);
  term back = decode(enc);
  REQUIRE(back == t);
  REQUIRE(encode(back) == enc);
}

}  // namespace

TEST_CASE("binary: round trip at every varint and packing boundary") {
  for (int shift = 0; shift < 64; ++shift) {
    for (std::uint64_t d = 0; d < 5; ++d) {
      const std::uint64_t u = (std::uint64_t{1} << shift) + d - 2;  // wraps around
      check_round_trip(term(static_cast<std::int64_t>(u)));
      check_round_trip(term(static_cast<std::int64_t>(0 - u)));
    }
  }
  for (std::int64_t v = -100; v <= 100; ++v) check_round_trip(term(v));
  check_round_trip(term(std::numeric_limits<std::int64_t>::max()));

  for (std::size_t n : {0, 1, 14, 15, 29, 30, 31, 32, 127, 128, 129, 300, 16383, 16384}) {
    check_round_trip(term(std::string(n, 'a')));
    check_round_trip(term::bytes(std::string(n, '\xff')));
    check_round_trip(sym(std::string(n, 'b')));
    check_round_trip(cap("c" + std::string(n, '1')));
    std::vector<term> items(n, term(n));
    check_round_trip(term::sequence(items));
    check_round_trip(term::record(std::string(n, 'r'), items));
  }
}

TEST_CASE("binary: random terms round-trip and re-encode identically") {
  std::mt19937_64 rng(20240501);
  for (int i = 0; i < 12000; ++i) {
    term t = random_term(rng, 1 + i % 5, i % 2 == 0);
    bytes_t enc = encode(t);
    term back = decode(enc);
    REQUIRE(back == t);
    REQUIRE(back.hash() == t.hash());
    REQUIRE(encode(back) == enc);
  }
}

TEST_CASE("binary: distinct terms have distinct encodings") {
  std::mt19937_64 rng(7);
  std::map<bytes_t, term> by_encoding;
  for (int i = 0; i < 5000; ++i) {
    term t = random_term(rng, 2, true);
    auto [it, inserted] = by_encoding.emplace(encode(t), t);
    if (!inserted) REQUIRE(it->second == t);
  }
  // Tiny terms collide often; their encodings must still tell them apart.
  for (int i = 0; i < 5000; ++i) {
    term t = random_term(rng, 0, true);
    auto [it, inserted] = by_encoding.emplace(encode(t), t);
    if (!inserted) REQUIRE(it->second == t);
  }
}

// ---- rejections -------------------------------------------------------------

TEST_CASE("binary: rejects bad framing") {
  CHECK(rejection({}) == "at byte 0: unexpected end of input, expected the version byte");
  CHECK(rejection(bytes({0x00, 0x00})) == "at byte 0: unsupported version 0 (expected 1)");
  CHECK(rejection(bytes({0x02, 0x00})) == "at byte 0: unsupported version 2 (expected 1)");
  CHECK(rejection(bytes({0x01})) == "at byte 1: unexpected end of input, expected a term");
  CHECK(rejection(bytes({0x01, 0x00, 0x00})) == "at byte 2: 1 trailing byte after the term");
  CHECK(rejection(bytes({0x01, 0xc0, 0x01, 0x02})) ==
        "at byte 2: 2 trailing bytes after the term");
}

TEST_CASE("binary: rejects unknown tags") {
  for (int tag = 0x04; tag <= 0x1f; ++tag)
    CHECK(rejection(bytes({0x01, tag})) == fmt::format("at byte 1: unknown tag 0x{:02x}", tag));
  CHECK(rejection(bytes({0x01, 0xc2, 0x00, 0x1f})) == "at byte 3: unknown tag 0x1f");
}

TEST_CASE("binary: rejects bad varints") {
  CHECK(rejection(bytes({0x01, 0x3f})) ==
        "at byte 2: unexpected end of input in integer (zigzag) varint");
  CHECK(rejection(bytes({0x01, 0x3f, 0x80})) ==
        "at byte 3: unexpected end of input in integer (zigzag) varint");
  // 31 as 9f 00 instead of 1f
  CHECK(rejection(bytes({0x01, 0x3f, 0x9f, 0x00})) ==
        "at byte 2: integer (zigzag): overlong varint (not minimally encoded)");
  CHECK(rejection(bytes({0x01, 0x3f, 0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                         0x00})) ==
        "at byte 2: integer (zigzag): overlong varint (not minimally encoded)");
  CHECK(rejection(bytes({0x01, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0x81, 0x00})) ==
        "at byte 2: integer (zigzag): varint longer than 10 bytes");
  CHECK(rejection(bytes({0x01, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0x02})) ==
        "at byte 2: integer (zigzag): varint overflows 64 bits");
  CHECK(rejection(bytes({0x01, 0x3f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                         0x7f})) ==
        "at byte 2: integer (zigzag): varint overflows 64 bits");
  CHECK(rejection(bytes({0x01, 0x5f, 0x80, 0x00})) ==
        "at byte 2: string length: overlong varint (not minimally encoded)");
  CHECK(rejection(bytes({0x01, 0xe0, 0x81, 0x00, 0x61})) ==
        "at byte 2: record label length: overlong varint (not minimally encoded)");
}

TEST_CASE("binary: rejects arguments that should be packed in the tag") {
  CHECK(rejection(bytes({0x01, 0x3f, 0x05})) ==
        "at byte 1: non-canonical integer (zigzag) 5: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0x3f, 0x1e})) ==
        "at byte 1: non-canonical integer (zigzag) 30: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0x3f, 0x00})) ==
        "at byte 1: non-canonical integer (zigzag) 0: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0x5f, 0x02, 0x68, 0x69})) ==
        "at byte 1: non-canonical string length 2: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0x7f, 0x00})) ==
        "at byte 1: non-canonical bytes length 0: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0x9f, 0x01, 0x61})) ==
        "at byte 1: non-canonical symbol length 1: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0xbf, 0x01, 0x61})) ==
        "at byte 1: non-canonical capture length 1: values up to 30 must be packed in the tag");
  CHECK(rejection(bytes({0x01, 0xdf, 0x01, 0x00})) ==
        "at byte 1: non-canonical sequence item count 1: values up to 30 must be packed in the "
        "tag");
  CHECK(rejection(bytes({0x01, 0xff, 0x01, 0x01, 0x61, 0x00})) ==
        "at byte 1: non-canonical record field count 1: values up to 30 must be packed in the tag");
}

TEST_CASE("binary: rejects lengths and counts beyond the input before allocating") {
  CHECK(rejection(bytes({0x01, 0x5f, 0x80, 0x92, 0xf4, 0x01, 0x61})) ==
        "at byte 1: string length 4000000 exceeds remaining input (1 bytes)");
  CHECK(rejection(bytes({0x01, 0x43, 0x61, 0x62})) ==
        "at byte 1: string length 3 exceeds remaining input (2 bytes)");
  CHECK(rejection(bytes({0x01, 0x62, 0x00})) ==
        "at byte 1: bytes length 2 exceeds remaining input (1 bytes)");
  CHECK(rejection(bytes({0x01, 0x81})) ==
        "at byte 1: symbol length 1 exceeds remaining input (0 bytes)");
  CHECK(rejection(bytes({0x01, 0xa2, 0x61})) ==
        "at byte 1: capture length 2 exceeds remaining input (1 bytes)");
  CHECK(rejection(bytes({0x01, 0xc5, 0x00, 0x00})) ==
        "at byte 1: sequence item count 5 exceeds remaining input (2 bytes)");
  CHECK(rejection(bytes({0x01, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0x01})) ==
        "at byte 1: sequence item count 18446744073709551615 exceeds remaining input (0 bytes)");
  CHECK(rejection(bytes({0x01, 0xe3, 0x01, 0x70, 0x00})) ==
        "at byte 1: record field count 3 exceeds remaining input (1 bytes)");
  CHECK(rejection(bytes({0x01, 0xe0, 0x05, 0x61})) ==
        "at byte 2: record label length 5 exceeds remaining input (1 bytes)");
  CHECK(rejection(bytes({0x01, 0xe0})) ==
        "at byte 2: unexpected end of input in record label length varint");
  // A nested count that fits the input alone but not with its siblings.
  CHECK(rejection(bytes({0x01, 0xc2, 0xc2, 0x00, 0x00})) ==
        "at byte 5: unexpected end of input, expected a term");
}

TEST_CASE("binary: rejects truncated doubles") {
  CHECK(rejection(bytes({0x01, 0x03})) ==
        "at byte 2: unexpected end of input, a double needs 8 bytes (0 remain)");
  CHECK(rejection(bytes({0x01, 0x03, 0, 0, 0, 0, 0, 0, 0xf0})) ==
        "at byte 9: unexpected end of input, a double needs 8 bytes (7 remain)");
}

TEST_CASE("binary: rejects non-canonical NaNs") {
  CHECK(rejection(bytes({0x01, 0x03, 0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f})) ==
        "at byte 1: non-canonical NaN 0x7ff8000000000001 (the only NaN is 0x7ff8000000000000)");
  CHECK(rejection(bytes({0x01, 0x03, 0, 0, 0, 0, 0, 0, 0xf8, 0xff})) ==
        "at byte 1: non-canonical NaN 0xfff8000000000000 (the only NaN is 0x7ff8000000000000)");
  CHECK(rejection(bytes({0x01, 0x03, 0x01, 0, 0, 0, 0, 0, 0xf0, 0x7f})) ==
        "at byte 1: non-canonical NaN 0x7ff0000000000001 (the only NaN is 0x7ff8000000000000)");
  // Infinities are not NaNs.
  CHECK(rejection(bytes({0x01, 0x03, 0, 0, 0, 0, 0, 0, 0xf0, 0xff})) == "accepted");
}

TEST_CASE("binary: rejects invalid UTF-8 and invalid names") {
  CHECK(rejection(bytes({0x01, 0x43, 0x61, 0xff, 0x62})) == "at byte 3: invalid UTF-8 in string");
  CHECK(rejection(bytes({0x01, 0x42, 0xc0, 0x80})) == "at byte 2: invalid UTF-8 in string");
  CHECK(rejection(bytes({0x01, 0x44, 0x61, 0xed, 0xa0, 0x80})) ==
        "at byte 3: invalid UTF-8 in string");  // surrogate
  CHECK(rejection(bytes({0x01, 0x44, 0xf4, 0x90, 0x80, 0x80})) ==
        "at byte 2: invalid UTF-8 in string");  // above U+10FFFF
  CHECK(rejection(bytes({0x01, 0x42, 0x61, 0xc3})) == "at byte 3: invalid UTF-8 in string");
  CHECK(rejection(bytes({0x01, 0x82, 0x61, 0x80})) == "at byte 3: invalid UTF-8 in symbol");
  CHECK(rejection(bytes({0x01, 0xe0, 0x02, 0x61, 0xfe})) ==
        "at byte 4: invalid UTF-8 in record label");
  CHECK(rejection(bytes({0x01, 0x62, 0xff, 0xc0})) == "accepted");  // bytes are raw octets

  CHECK(rejection(bytes({0x01, 0xa2, 0x31, 0x61})) ==
        "at byte 1: invalid capture: capture name '1a' is not an identifier "
        "([A-Za-z_][A-Za-z0-9_]*)");
  CHECK(rejection(bytes({0x01, 0xa0})) ==
        "at byte 1: invalid capture: capture name '' is not an identifier "
        "([A-Za-z_][A-Za-z0-9_]*)");
  CHECK(rejection(bytes({0x01, 0xc1, 0xa1, 0x2d})) ==
        "at byte 2: invalid capture: capture name '-' is not an identifier "
        "([A-Za-z_][A-Za-z0-9_]*)");
}

// ---- limits -----------------------------------------------------------------

TEST_CASE("binary: max_depth counts every sequence and record, empty ones too") {
  bytes_t at_limit = encode(nested_sequences(256));
  CHECK(rejection(at_limit) == "accepted");
  bytes_t over = encode(nested_sequences(257));
  CHECK(rejection(over) == "at byte 257: nesting deeper than 256 (max_depth)");
  CHECK(decode(over, {.max_depth = 257}) == nested_sequences(257));

  CHECK(rejection(encode(seq()), {.max_depth = 0}) ==
        "at byte 1: nesting deeper than 0 (max_depth)");
  CHECK(rejection(encode(rec("a", 1)), {.max_depth = 0}) ==
        "at byte 1: nesting deeper than 0 (max_depth)");
  CHECK(rejection(encode(term(1)), {.max_depth = 0}) == "accepted");
  CHECK(rejection(encode(seq(1, seq(), 2)), {.max_depth = 1}) ==
        "at byte 3: nesting deeper than 1 (max_depth)");
  CHECK(rejection(encode(seq(1, seq(), 2)), {.max_depth = 2}) == "accepted");
  // Siblings do not add up.
  CHECK(rejection(encode(seq(seq(seq()), seq(seq()))), {.max_depth = 3}) == "accepted");
}

TEST_CASE("binary: max_size bounds the input") {
  bytes_t enc = encode(std::string(20, 'x'));  // 22 bytes
  REQUIRE(enc.size() == 22);
  CHECK(rejection(enc, {.max_size = 22}) == "accepted");
  CHECK(rejection(enc, {.max_size = 21}) ==
        "at byte 21: input of 22 bytes exceeds max_size (21 bytes)");
  CHECK(rejection(enc, {.max_size = 0}) ==
        "at byte 0: input of 22 bytes exceeds max_size (0 bytes)");
}

TEST_CASE("binary: very deep terms encode without recursion") {
  constexpr std::size_t depth = 100000;
  term deep = nested_sequences(depth);
  bytes_t enc = encode(deep);
  CHECK(enc.size() == depth + 1);
  CHECK(rejection(enc) == "at byte 257: nesting deeper than 256 (max_depth)");

  term deep_record = rec("r", 1);
  for (std::size_t i = 1; i < depth; ++i) deep_record = rec("r", deep_record, i);
  bytes_t rec_enc = encode(deep_record);
  term back = decode(rec_enc, {.max_depth = depth});
  CHECK(back.is_record("r", 2));
  CHECK(encode(back) == rec_enc);
}

// ---- robustness -------------------------------------------------------------

TEST_CASE("binary: every proper prefix of a valid encoding is rejected") {
  std::mt19937_64 rng(99);
  std::vector<term> samples = {false, 0, 64, std::numeric_limits<std::int64_t>::min(), 1.5,
                               "hi", std::string(40, 'y'), sym("abc"), cap("x"), _,
                               seq(), rec("say", "alice", 42, seq(1, 2.5, sym("three")))};
  for (int i = 0; i < 300; ++i) samples.push_back(random_term(rng, 3, true));
  for (const term& t : samples) {
    bytes_t enc = encode(t);
    for (std::size_t n = 0; n < enc.size(); ++n) {
      bytes_t prefix(enc.begin(), enc.begin() + static_cast<std::ptrdiff_t>(n));
      std::string r = rejection(prefix);
      INFO("prefix ", hex(prefix));
      CHECK(r != "accepted");
    }
  }
}

TEST_CASE("binary: mutated encodings are rejected or decode to their own encoding") {
  std::mt19937_64 rng(1234);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes_t enc = encode(random_term(rng, 3, true));
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      auto& b = enc[rng() % enc.size()];
      b = rng() % 2 ? b ^ static_cast<std::byte>(1u << (rng() % 8))
                    : static_cast<std::byte>(rng());
    }
    if (rng() % 8 == 0) enc.push_back(static_cast<std::byte>(rng()));
    try {
      term t = decode(enc, {.max_size = 4096, .max_depth = 8});
      ++accepted;
      REQUIRE(encode(t) == enc);  // decode is injective on what it accepts
    } catch (const decode_error&) {
      ++rejected;
    }
  }
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}

TEST_CASE("binary: random bytes never crash the decoder") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 50000; ++i) {
    bytes_t in(1 + rng() % 24);
    for (auto& b : in) b = static_cast<std::byte>(rng());
    in[0] = std::byte{binary_version};
    try {
      term t = decode(in, {.max_size = 64, .max_depth = 4});
      REQUIRE(encode(t) == in);
    } catch (const decode_error&) {
    }
  }
}

// ---- items: several terms behind one version byte ---------------------------

TEST_CASE("binary: encode is the version byte followed by encode_item") {
  std::mt19937_64 rng(31337);
  for (int i = 0; i < 2000; ++i) {
    term t = random_term(rng, 1 + i % 4, i % 2 == 0);
    bytes_t item = bytes({0xaa});  // appends
    encode_item(t, item);
    const bytes_t whole = encode(t);
    REQUIRE(whole.front() == std::byte{binary_version});
    REQUIRE(bytes({0xaa}) + bytes_t(whole.begin() + 1, whole.end()) == item);
  }
  bytes_t out;
  encode_item(rec("msg", 42), out);
  CHECK(hex(out) == "e1 03 6d 73 67 3f 54");
}

TEST_CASE("binary: decode_item walks items one by one and advances the offset") {
  std::mt19937_64 rng(4242);
  for (int round = 0; round < 200; ++round) {
    std::vector<term> terms;
    bytes_t in = bytes({binary_version});
    std::vector<std::size_t> ends;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) {
      terms.push_back(random_term(rng, 3, true));
      encode_item(terms.back(), in);
      ends.push_back(in.size());
    }
    std::size_t offset = 1;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      REQUIRE(decode_item(in, offset) == terms[i]);
      REQUIRE(offset == ends[i]);
    }
    CHECK(offset == in.size());
  }
}

TEST_CASE("binary: decode_item reads no version byte and leaves what follows") {
  const bytes_t in = bytes({0x01, 0x22, 0xff});
  std::size_t offset = 0;
  CHECK(decode_item(in, offset) == term(true));  // 0x01 is the tag of `true` here
  CHECK(offset == 1);
  CHECK(decode_item(in, offset) == term(1));
  CHECK(offset == 2);
}

TEST_CASE("binary: decode_item errors name offsets in the whole input and keep the offset") {
  auto item_rejection = [](const bytes_t& in, std::size_t offset,
                           const decode_limits& limits = {}) -> std::string {
    const std::size_t before = offset;
    try {
      decode_item(in, offset, limits);
    } catch (const decode_error& e) {
      CHECK(offset == before);
      return e.what();
    }
    return "accepted";
  };
  const bytes_t two = bytes({0x01, 0x22, 0x1f});
  CHECK(item_rejection(two, 2) == "at byte 2: unknown tag 0x1f");
  CHECK(item_rejection(two, 3) == "at byte 3: unexpected end of input, expected a term");
  CHECK(item_rejection(bytes({0x01, 0x22, 0x43, 0x61}), 2) ==
        "at byte 2: string length 3 exceeds remaining input (1 bytes)");
  CHECK(item_rejection(bytes({0x01, 0xc1, 0xc1, 0xc0}), 1, {.max_depth = 2}) ==
        "at byte 3: nesting deeper than 2 (max_depth)");
  CHECK(item_rejection(bytes({0x01, 0x22, 0x22}), 1, {.max_size = 2}) ==
        "at byte 2: input of 3 bytes exceeds max_size (2 bytes)");

  std::size_t beyond = 4;
  CHECK_THROWS_AS(decode_item(two, beyond), std::out_of_range);
}

// ---- the fast path for flat records --------------------------------------------

namespace {

/// What decoding `in` at `offset` gives: the term's encoding and the offset
/// after it, or the error, or the exception's type.
template <class Decode>
std::string outcome(Decode&& decode_at, const bytes_t& in, std::size_t offset,
                    const decode_limits& limits, std::size_t enclosing) {
  try {
    term t = decode_at(std::span<const std::byte>(in), offset, limits, enclosing);
    bytes_t again;
    encode_item(t, again);
    return fmt::format("{} then offset {}", hex(again), offset);
  } catch (const decode_error& e) {
    return fmt::format("error at {}: {}; offset {}", e.offset(), e.message(), offset);
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what();
  }
}

/// A record of atoms (sometimes with one compound field), as messages are.
term random_flat_record(std::mt19937_64& rng) {
  std::vector<term> fields;
  const std::size_t n = rng() % 10;  // 0 and 9: beyond what the fast path takes
  for (std::size_t i = 0; i < n; ++i)
    fields.push_back(rng() % 12 == 0 ? random_term(rng, 2, true) : random_term(rng, 0, true));
  static const char* labels[] = {"bench", "m", "", "a_rather_long_label_past_the_inline_size"};
  return term::record(labels[rng() % 4], std::move(fields));
}

}  // namespace

TEST_CASE("binary: decode_item's flat record path agrees with the general decoder, errors included") {
  std::mt19937_64 rng(777);
  auto fast = [](std::span<const std::byte> in, std::size_t& off, const decode_limits& l,
                 std::size_t enc) { return decode_item(in, off, l, enc); };
  auto general = [](std::span<const std::byte> in, std::size_t& off, const decode_limits& l,
                    std::size_t enc) { return detail::decode_item_general(in, off, l, enc); };
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 40000; ++i) {
    bytes_t in = bytes({0xaa});  // the item starts at offset 1
    encode_item(i % 5 == 0 ? random_term(rng, 3, i % 2 == 0) : random_flat_record(rng), in);
    if (i % 3 != 0) {  // mutated: flips, truncation, trailing bytes
      for (int flips = static_cast<int>(rng() % 3); flips > 0; --flips) {
        auto& b = in[1 + rng() % (in.size() - 1)];
        b = rng() % 2 ? b ^ static_cast<std::byte>(1u << (rng() % 8)) : static_cast<std::byte>(rng());
      }
      if (rng() % 4 == 0) in.resize(1 + rng() % (in.size() - 1));
      if (rng() % 4 == 0) in.push_back(static_cast<std::byte>(rng()));
    }
    const decode_limits limits{.max_size = 4096, .max_depth = 1 + rng() % 4};
    const std::size_t enclosing = rng() % 4;
    const std::string want = outcome(general, in, 1, limits, enclosing);
    INFO("input ", hex(in), ", max_depth ", limits.max_depth, ", enclosing ", enclosing);
    REQUIRE(outcome(fast, in, 1, limits, enclosing) == want);
    (want.rfind("error", 0) == 0 ? rejected : accepted) += 1;
  }
  CHECK(accepted > 10000);
  CHECK(rejected > 5000);
}
