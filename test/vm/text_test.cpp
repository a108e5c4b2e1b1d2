#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "random_terms.hpp"

using namespace agora;
using namespace std::string_literals;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

void check_prints(const term& t, const std::string& text) {
  INFO("expected text: ", text);
  CHECK(print(t) == text);
  CHECK(t.to_string() == text);
  CHECK(parse(text) == t);
}

struct error_case {
  std::string input;
  std::size_t line, column, offset;
  std::string message;
  parse_limits limits = {};
};

void check_error(const error_case& c) {
  INFO("input: ", c.input);
  try {
    term t = parse(c.input, c.limits);
    FAIL_CHECK("parsed as " << print(t));
  } catch (const parse_error& e) {
    CHECK(e.message() == c.message);
    CHECK(e.line() == c.line);
    CHECK(e.column() == c.column);
    CHECK(e.offset() == c.offset);
    CHECK(std::string(e.what()) ==
          std::to_string(c.line) + ":" + std::to_string(c.column) + ": " + c.message);
  }
}

}  // namespace

TEST_SUITE("text") {

TEST_CASE("text: scalars print and parse") {
  check_prints(true, "true");
  check_prints(false, "false");
  check_prints(0, "0");
  check_prints(-7, "-7");
  check_prints(std::numeric_limits<std::int64_t>::max(), "9223372036854775807");
  check_prints(std::numeric_limits<std::int64_t>::min(), "-9223372036854775808");
  check_prints(term::wildcard(), "_");
  check_prints(cap("who"), "$who");
  check_prints(cap("_"), "$_");
}

TEST_CASE("text: doubles print shortest and always look like doubles") {
  check_prints(0.1, "0.1");
  check_prints(1.0, "1.0");
  check_prints(0.0, "0.0");
  check_prints(-0.0, "-0.0");
  check_prints(100.0, "100.0");
  check_prints(-1.5, "-1.5");
  check_prints(1e300, "1e+300");
  check_prints(1e16, "1e+16");
  check_prints(1e-7, "1e-07");
  check_prints(0.30000000000000004, "0.30000000000000004");
  check_prints(std::numeric_limits<double>::denorm_min(), "5e-324");
  check_prints(std::numeric_limits<double>::max(), "1.7976931348623157e+308");
  check_prints(123456789012345680000.0, "123456789012345683968.0");
  check_prints(inf, "+inf.0");
  check_prints(-inf, "-inf.0");
  check_prints(qnan, "+nan.0");
  check_prints(-qnan, "+nan.0");
  CHECK(std::signbit(parse("-0.0").as_double()));
  CHECK(!std::signbit(parse("0.0").as_double()));
}

TEST_CASE("text: number syntax") {
  CHECK(parse("-0") == term(0));
  CHECK(parse("+5") == term(5));
  CHECK(parse("007") == term(7));
  CHECK(parse("1e5") == term(100000.0));
  CHECK(parse("1E5") == term(100000.0));
  CHECK(parse("1.5e-3") == term(0.0015));
  CHECK(parse("2.5E+2") == term(250.0));
  CHECK(parse("+1.5") == term(1.5));
  CHECK(parse("-nan.0") == term(qnan));
  CHECK(parse("3e-324") == term(std::numeric_limits<double>::denorm_min()));
  CHECK(parse("0e-999") == term(0.0));
  CHECK(parse("0.1000000000000000000000000001") == term(0.1));
  CHECK(parse("1e5").is_double());
  CHECK(parse("10").is_int());
}

TEST_CASE("text: strings") {
  check_prints("", R"("")");
  check_prints("hello", R"("hello")");
  check_prints("h\u00e9llo \U0001F600 \u65e5", "\"h\u00e9llo \U0001F600 \u65e5\"");
  check_prints("say \"hi\"\n", R"("say \"hi\"\n")");
  check_prints("a\\b\r\t\b\f", R"("a\\b\r\t\b\f")");
  check_prints("it's", R"("it's")");
  check_prints(term("\0\x01\x1f\x7f"s), R"("\u0000\u0001\u001f\u007f")");
  check_prints("a long string that is not inline", R"("a long string that is not inline")");
  CHECK(parse(R"("\u00E9\u00e9")") == term("\u00e9\u00e9"));
  CHECK(parse(R"("\uD83D\uDE00")") == term("\U0001F600"));
  CHECK(parse(R"("\udbff\udfff")") == term("\U0010FFFF"));
  CHECK(parse(R"("\'\"\\")") == term("'\"\\"));
  CHECK(parse(R"("\u0000")") == term("\0"s));
}

TEST_CASE("text: bytes") {
  check_prints(term::bytes(std::string_view("")), R"(#x"")");
  check_prints(term::bytes(std::string_view("\x00\xff", 2)), R"(#x"00ff")");
  check_prints(term::bytes(std::string_view("\x01\x23\x45\x67\x89\xab\xcd\xef")),
               R"(#x"0123456789abcdef")");
  CHECK(parse(R"(#x"ABcd")") == term::bytes(std::string_view("\xab\xcd")));
}

TEST_CASE("text: symbols are bare when they can be, quoted otherwise") {
  check_prints(sym("present"), "present");
  check_prints(sym("_x"), "_x");
  check_prints(sym("A9_"), "A9_");
  check_prints(sym("dns.query"), "dns.query");
  check_prints(sym("node-1"), "node-1");
  check_prints(sym("tcp/listen:v2"), "tcp/listen:v2");
  check_prints(sym("trueish"), "trueish");
  check_prints(sym("true.x"), "true.x");
  check_prints(sym("inf.0"), "inf.0");
  check_prints(sym("true"), "'true'");
  check_prints(sym("false"), "'false'");
  check_prints(sym("_"), "'_'");
  check_prints(sym("two words"), "'two words'");
  check_prints(sym("1st"), "'1st'");
  check_prints(sym("-x"), "'-x'");
  check_prints(sym("it's"), R"('it\'s')");
  check_prints(sym("say \"x\"\n"), R"('say "x"\n')");
  check_prints(sym("\u00e9t\u00e9"), "'\u00e9t\u00e9'");
  check_prints(sym("a long symbol name beyond fourteen"), "'a long symbol name beyond fourteen'");
  CHECK(parse("'plain'") == sym("plain"));
  CHECK(parse(R"('\u0041\"')") == sym("A\""));
}

TEST_CASE("text: the empty symbol, if the term layer allows it, is ''") {
  bool constructible = true;
  try {
    (void)sym("");
  } catch (const term_error&) {
    constructible = false;
  }
  if (constructible) {
    check_prints(sym(""), "''");
    check_prints(rec(""), "''()");
  } else {
    CHECK_THROWS_AS(parse("''"), parse_error);
  }
}

TEST_CASE("text: sequences and records") {
  check_prints(seq(), "[]");
  check_prints(seq(1, "two", sym("three")), R"([1, "two", three])");
  check_prints(seq(seq(), seq(seq())), "[[], [[]]]");
  check_prints(rec("stop"), "stop()");
  check_prints(rec("say", "alice", "hi"), R"(say("alice", "hi"))");
  check_prints(rec("two words", 1), "'two words'(1)");
  check_prints(rec("true"), "'true'()");
  check_prints(rec("_", _), "'_'(_)");
  check_prints(rec("tcp_channel", rec("peer", "10.0.0.2", 40312), rec("listener", 5999), _),
               R"(tcp_channel(peer("10.0.0.2", 40312), listener(5999), _))");
  check_prints(rec("say", cap("who"), _, seq(cap("x"), 1.5)), "say($who, _, [$x, 1.5])");
  check_prints(seq(term::bytes(std::string_view("\x10")), -0.0, rec("f", seq())),
               R"([#x"10", -0.0, f([])])");
}

TEST_CASE("text: whitespace between tokens") {
  auto expected = rec("say", seq(1, 2), "x", sym("y"));
  CHECK(parse("say([1,2],\"x\",y)") == expected);
  CHECK(parse(" \t\r\n say ( [ 1 , 2 ] ,\n\t\"x\" , y ) \r\n ") == expected);
  CHECK(parse("f ()") == rec("f"));
  CHECK(parse("[ ]") == seq());
  CHECK(parse("f( )") == rec("f"));
}

TEST_CASE("text: literal operator") {
  CHECK("say($who, _)"_t == rec("say", cap("who"), _));
}

TEST_CASE("text: syntax errors say where and what was expected") {
  const error_case cases[] = {
      {"", 1, 1, 0, "expected a term, got end of input"},
      {"   ", 1, 4, 3, "expected a term, got end of input"},
      {")", 1, 1, 0, "expected a term, got ')'"},
      {".5", 1, 1, 0, "expected a term, got '.'"},
      {"\0"s, 1, 1, 0, "expected a term, got U+0000"},
      {"say(1 2)", 1, 7, 6, "expected ',' or ')' after field 1 of record say, got '2'"},
      {"say(1, 2 3)", 1, 10, 9, "expected ',' or ')' after field 2 of record say, got '3'"},
      {"'two words'(1", 1, 14, 13,
       "expected ',' or ')' after field 1 of record 'two words', got end of input"},
      {"[1, 2", 1, 6, 5, "expected ',' or ']' after item 2 of sequence, got end of input"},
      {"[1)", 1, 3, 2, "expected ',' or ']' after item 1 of sequence, got ')'"},
      {"[1,]", 1, 4, 3, "expected item 2 of sequence, got ']'"},
      {"f(1,,2)", 1, 5, 4, "expected field 2 of record f, got ','"},
      {"[", 1, 2, 1, "expected item 1 of sequence or ']', got end of input"},
      {"f(", 1, 3, 2, "expected field 1 of record f or ')', got end of input"},
      {"[\u00e9]", 1, 2, 1, "expected item 1 of sequence or ']', got U+00E9"},
      {"[\U0001F600]", 1, 2, 1, "expected item 1 of sequence or ']', got U+1F600"},
      {"1 2", 1, 3, 2, "expected end of input after the term, got '2'"},
      {"1'", 1, 2, 1, "expected end of input after the term, got \"'\""},
      {"true(1)", 1, 5, 4, "expected end of input after the term, got '('"},
      {"_(1)", 1, 2, 1, "expected end of input after the term, got '('"},
      {"\"\u00e9\" x", 1, 5, 5, "expected end of input after the term, got 'x'"},
      {"[1,\n 2,\n x y]", 3, 4, 11, "expected ',' or ']' after item 3 of sequence, got 'y'"},
      {std::string(60, 'a') + "(1 2)", 1, 64, 63,
       "expected ',' or ')' after field 1 of record " + std::string(37, 'a') + "..., got '2'"},
      // strings and quoted symbols
      {"\"abc", 1, 1, 0, "unterminated string"},
      {"[1, \"abc\\\"]", 1, 5, 4, "unterminated string"},
      {"\"\\", 1, 1, 0, "unterminated string"},
      {"'abc", 1, 1, 0, "unterminated symbol"},
      {"\"ab\\q\"", 1, 4, 3, "invalid escape: backslash followed by 'q' in string"},
      {"'\\x41'", 1, 2, 1, "invalid escape: backslash followed by 'x' in symbol"},
      {"\"\\\u00e9\"", 1, 2, 1, "invalid escape: backslash followed by U+00E9 in string"},
      {"\"\\u12\"", 1, 2, 1, "expected 4 hex digits after \\u in string"},
      {"\"\\u12g4\"", 1, 2, 1, "expected 4 hex digits after \\u in string"},
      {"\"\\u", 1, 2, 1, "expected 4 hex digits after \\u in string"},
      {"\"\\uD83D\"", 1, 2, 1, "lone surrogate \\uD83D in string"},
      {"\"\\uD83Dx\"", 1, 2, 1, "lone surrogate \\uD83D in string"},
      {"\"\\uD83D\\u0041\"", 1, 2, 1, "lone surrogate \\uD83D in string"},
      {"\"\\uD83D\\uD83D\"", 1, 2, 1, "lone surrogate \\uD83D in string"},
      {"\"x\\uDE00\\uD83D\"", 1, 3, 2, "lone surrogate \\uDE00 in string"},
      {"'\\udfff'", 1, 2, 1, "lone surrogate \\udfff in symbol"},
      {"\"a\nb\"", 1, 3, 2, "control character U+000A in string (use an escape)"},
      {"'\t'", 1, 2, 1, "control character U+0009 in symbol (use an escape)"},
      {"\"\x7f\"", 1, 2, 1, "control character U+007F in string (use an escape)"},
      // invalid UTF-8 anywhere
      {"\"a\xff" "b\"", 1, 3, 2, "invalid UTF-8"},
      {"'\xc0\x80'", 1, 2, 1, "invalid UTF-8"},
      {"\"\xed\xa0\x80\"", 1, 2, 1, "invalid UTF-8"},
      {"\"\xf4\x90\x80\x80\"", 1, 2, 1, "invalid UTF-8"},
      {"\"\xe2\x82", 1, 2, 1, "invalid UTF-8"},
      {"[1,\n\xfe]", 2, 1, 4, "invalid UTF-8"},
      {"1 \x80", 1, 3, 2, "invalid UTF-8"},
      // numbers
      {"9223372036854775808", 1, 1, 0, "integer 9223372036854775808 is out of range for 64 bits"},
      {"-9223372036854775809", 1, 1, 0,
       "integer -9223372036854775809 is out of range for 64 bits"},
      {"[1, +99999999999999999999]", 1, 5, 4,
       "integer +99999999999999999999 is out of range for 64 bits"},
      {std::string(50, '9'), 1, 1, 0,
       "integer " + std::string(37, '9') + "... is out of range for 64 bits"},
      {"1e400", 1, 1, 0, "number 1e400 is out of range for a double"},
      {"-1e400", 1, 1, 0, "number -1e400 is out of range for a double"},
      {"1e-400", 1, 1, 0, "number 1e-400 is out of range for a double"},
      {"- 1", 1, 2, 1, "expected a digit, 'inf.0' or 'nan.0' after '-', got ' '"},
      {"+inf", 1, 2, 1, "expected a digit, 'inf.0' or 'nan.0' after '+', got 'i'"},
      {"-", 1, 2, 1, "expected a digit, 'inf.0' or 'nan.0' after '-', got end of input"},
      {"1.", 1, 3, 2, "expected a digit after the decimal point, got end of input"},
      {"1.e5", 1, 3, 2, "expected a digit after the decimal point, got 'e'"},
      {"1e", 1, 3, 2, "expected a digit in the exponent, got end of input"},
      {"1e+x", 1, 4, 3, "expected a digit in the exponent, got 'x'"},
      {"1.5.3", 1, 4, 3, "expected end of input after the term, got '.'"},
      {"0x10", 1, 2, 1, "expected end of input after the term, got 'x'"},
      // bytes
      {"#x\"0\"", 1, 1, 0, "odd number of hex digits in bytes literal"},
      {"#x\"0g\"", 1, 5, 4, "expected a hex digit in bytes literal, got 'g'"},
      {"#x\"zz\"", 1, 4, 3, "expected a hex digit or '\"' in bytes literal, got 'z'"},
      {"#x\"00 11\"", 1, 6, 5, "expected a hex digit or '\"' in bytes literal, got ' '"},
      {"#x\"00", 1, 1, 0, "unterminated bytes literal"},
      {"#x\"0", 1, 1, 0, "unterminated bytes literal"},
      {"#y\"00\"", 1, 2, 1, "expected 'x\"' after '#' (bytes are written #x\"00ff\"), got 'y'"},
      {"#", 1, 2, 1, "expected 'x\"' after '#' (bytes are written #x\"00ff\"), got end of input"},
      // captures
      {"$", 1, 2, 1,
       "expected a capture name ([A-Za-z_][A-Za-z0-9_]*) after '$', got end of input"},
      {"say($)", 1, 6, 5, "expected a capture name ([A-Za-z_][A-Za-z0-9_]*) after '$', got ')'"},
      {"$1", 1, 2, 1, "expected a capture name ([A-Za-z_][A-Za-z0-9_]*) after '$', got '1'"},
      {"$ x", 1, 2, 1, "expected a capture name ([A-Za-z_][A-Za-z0-9_]*) after '$', got ' '"},
      {"$a.b", 1, 3, 2, "expected end of input after the term, got '.'"},
      // limits
      {"[[[1]]]", 1, 3, 2, "nesting deeper than 2", {.max_depth = 2}},
      {"a(b(c()))", 1, 5, 4, "nesting deeper than 2", {.max_depth = 2}},
      {"[]", 1, 1, 0, "nesting deeper than 0", {.max_depth = 0}},
      {"[1]", 1, 1, 0, "input is 3 bytes, more than the limit of 2", {.max_size = 2}},
  };
  for (const auto& c : cases) check_error(c);
}

TEST_CASE("text: limits are inclusive") {
  CHECK(parse("[[1]]", {.max_depth = 2}) == seq(seq(1)));
  CHECK(parse("7", {.max_depth = 0}) == term(7));
  CHECK(parse("[1]", {.max_size = 3}) == seq(1));
  std::string deep = std::string(256, '[') + std::string(256, ']');
  CHECK_NOTHROW(parse(deep));
  CHECK_THROWS_WITH_AS(parse("[" + deep + "]"), "1:257: nesting deeper than 256", parse_error);
}

TEST_CASE("text: deep terms print and parse without recursion") {
  constexpr std::size_t depth = 100000;
  term t = seq();
  for (std::size_t i = 1; i < depth; ++i) t = term::sequence(std::vector<term>{t});
  std::string text = print(t);
  CHECK(text == std::string(depth, '[') + std::string(depth, ']'));
  CHECK_THROWS_WITH_AS(parse(text), "1:257: nesting deeper than 256", parse_error);
  // Compared by text: operator== on terms this deep would recurse.
  CHECK(print(parse(text, {.max_depth = depth})) == text);

  term r = rec("f", 1);
  for (std::size_t i = 1; i < depth; ++i) r = rec("f", r, i);
  text = r.to_string();
  CHECK(text.starts_with("f(f(f("));
  CHECK(text.find("f(1), 1), 2)") != std::string::npos);
  CHECK(text.ends_with(", 99998), 99999)"));
  CHECK(std::count(text.begin(), text.end(), '(') == depth);
}

TEST_CASE("text: parse(print(t)) == t and printing is stable, for random terms") {
  std::mt19937_64 rng(20240601);
  std::size_t failures = 0;
  for (int i = 0; i < 20000; ++i) {
    term t = test::random_term(rng, i % 7, i % 2 == 0);
    std::string text = print(t);
    term back;
    try {
      back = parse(text);
    } catch (const parse_error& e) {
      if (++failures <= 5) FAIL_CHECK(text << " -> " << e.what());
      continue;
    }
    if (back != t || print(back) != text) {
      if (++failures <= 5) FAIL_CHECK(text << " -> " << print(back));
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("text: mutated inputs either fail cleanly or print stably") {
  std::mt19937_64 rng(7);
  const std::string alphabet = "[](),'\"\\#x$_-+.e0123456789aufnrt \n\xc3\xa9\xff";
  std::size_t parsed = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string text = print(test::random_term(rng, 3, true));
    for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m) {
      std::size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text.insert(at, 1, c); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = c; break;
      }
    }
    try {
      term t = parse(text);
      ++parsed;
      std::string once = print(t);
      REQUIRE(parse(once) == t);
      REQUIRE(print(parse(once)) == once);
    } catch (const parse_error& e) {
      REQUIRE(e.offset() <= text.size());
      REQUIRE(e.line() >= 1);
      REQUIRE(e.column() >= 1);
    }
  }
  CHECK(parsed > 1000);  // the mutations leave many inputs valid
}

}  // TEST_SUITE
