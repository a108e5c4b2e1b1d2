// The TCP driver's framing: pure decoding and encoding, no sockets.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "agora/drivers/tcp_framing.hpp"
#include "agora/text.hpp"

using namespace agora;
using tcp::decoder;
using tcp::framing;
using tcp::framing_kind;

namespace {

struct outcome {
  std::vector<std::string> messages;
  decoder::status last = decoder::status::need_more;
  std::string error;
  friend bool operator==(const outcome&, const outcome&) = default;
};

/// Feeds `input` in pieces of `piece` bytes (0: all at once), taking every
/// message after each piece; then finishes the stream if `finish`.
outcome decode(framing f, std::string_view input, std::size_t piece = 0, bool finish = true) {
  decoder d(f);
  outcome out;
  auto drain = [&] {
    std::string_view m;
    for (;;) {
      out.last = d.next(m);
      if (out.last != decoder::status::message) break;
      out.messages.emplace_back(m);
    }
  };
  if (piece == 0) piece = input.size() + 1;
  for (std::size_t i = 0; i < input.size() && out.last != decoder::status::too_long; i += piece) {
    d.feed(input.substr(i, piece));
    drain();
  }
  if (finish && out.last != decoder::status::too_long) {
    d.finish();
    drain();
  }
  out.error = d.error();
  return out;
}

std::string frame(std::string_view payload) {
  std::string out;
  tcp::encode({framing_kind::frames, 1u << 20}, payload, out);
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("tcp framing: terms are read strictly and round-trip") {
  CHECK(tcp::read_framing("lines(1024)"_t) == framing{framing_kind::lines, 1024});
  CHECK(tcp::read_framing("raw(1)"_t) == framing{framing_kind::raw, 1});
  CHECK(tcp::read_framing("frames(1073741824)"_t) == framing{framing_kind::frames, 1u << 30});
  for (auto bad : {"lines(0)", "lines(-1)", "raw(1073741825)", "lines(1.5)", "lines(\"10\")",
                   "lines(10, 20)", "lines()", "words(10)", "lines", "[lines, 10]"})
    CHECK_MESSAGE(!tcp::read_framing(parse(bad)), bad);
  for (auto f : {framing{framing_kind::raw, 7}, framing{framing_kind::lines, 80},
                 framing{framing_kind::frames, 65536}})
    CHECK(tcp::read_framing(tcp::framing_term(f)) == f);
  CHECK(tcp::framing_term({framing_kind::lines, 80}) == "lines(80)"_t);
}

TEST_CASE("tcp framing: encoding puts the length in front or a newline after") {
  std::string out;
  tcp::encode({framing_kind::raw, 10}, "abc", out);
  CHECK(out == "abc");
  out.clear();
  tcp::encode({framing_kind::lines, 10}, "abc", out);
  CHECK(out == "abc\n");
  out.clear();
  tcp::encode({framing_kind::frames, 10}, "abc", out);
  CHECK(out == std::string("\0\0\0\3abc", 7));
  CHECK(frame(std::string(0x01020304 & 0xffff, 'x')).substr(0, 4) == std::string("\0\0\x03\x04", 4));
  const auto parts = tcp::wire_parts_for({framing_kind::frames, 10}, 0x0a0b0c0d);
  CHECK(parts.overhead() == 4);
  CHECK(std::memcmp(parts.prefix, "\x0a\x0b\x0c\x0d", 4) == 0);
  CHECK(tcp::wire_parts_for({framing_kind::lines, 10}, 5).overhead() == 1);
  CHECK(tcp::wire_parts_for({framing_kind::raw, 10}, 5).overhead() == 0);
  CHECK(tcp::encodable({framing_kind::frames, 10}, 0xffffffffu));
  CHECK_FALSE(tcp::encodable({framing_kind::frames, 10}, std::size_t{0xffffffffu} + 1));
  CHECK(tcp::encodable({framing_kind::lines, 10}, std::size_t{0xffffffffu} + 1));
}

TEST_CASE("tcp framing: raw cuts chunks of at most MAX bytes and loses nothing") {
  const framing f{framing_kind::raw, 4};
  auto o = decode(f, "abcdefghij");
  CHECK(o.messages == strings{"abcd", "efgh", "ij"});
  CHECK(o.last == decoder::status::end);
  // Fed byte by byte, every byte is a message of its own (nothing waits).
  CHECK(decode(f, "abc", 1).messages == strings{"a", "b", "c"});
  CHECK(decode(f, "").messages.empty());
  CHECK(decode(f, "", 0, true).last == decoder::status::end);
  CHECK(decode(f, "ab", 0, false).last == decoder::status::need_more);
}

TEST_CASE("tcp framing: lines without their \\n or \\r\\n, the last one at the end") {
  const framing f{framing_kind::lines, 8};
  auto o = decode(f, "one\ntwo\r\n\nthree\r\nfour");
  CHECK(o.messages == strings{"one", "two", "", "three", "four"});
  CHECK(o.last == decoder::status::end);
  CHECK(decode(f, "one\ntwo", 0, false).messages == strings{"one"});
  CHECK(decode(f, "one\ntwo", 0, false).last == decoder::status::need_more);
  // A lone '\r' inside a line is content; a last "\r" at the end goes.
  CHECK(decode(f, "a\rb\nc\r").messages == strings{"a\rb", "c"});
  // Pieces of any size give the same lines.
  const std::string text = "alpha\nbeta\r\n\r\ngamma\nx\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece)
    CHECK_MESSAGE(decode(f, text, piece) == decode(f, text), piece);
}

TEST_CASE("tcp framing: a line over MAX is too_long, found before its end arrives") {
  const framing f{framing_kind::lines, 8};
  CHECK(decode(f, "12345678\n").messages == strings{"12345678"});  // exactly MAX
  CHECK(decode(f, "12345678\r\n", 1).messages == strings{"12345678"});  // MAX, then \r\n split
  auto o = decode(f, "123456789\n");
  CHECK(o.last == decoder::status::too_long);
  CHECK(o.error == "line longer than 8 bytes");
  CHECK(decode(f, "123456789\r\n").last == decoder::status::too_long);
  // Without any newline: detected once MAX + 2 bytes are in (or MAX + 1
  // that do not end in '\r'), so the buffer never holds a longer line.
  decoder d(f);
  std::string_view m;
  d.feed("123456789");
  CHECK(d.next(m) == decoder::status::too_long);
  decoder e(f);
  e.feed("12345678\r");
  CHECK(e.next(m) == decoder::status::need_more);
  e.feed("x");
  CHECK(e.next(m) == decoder::status::too_long);
  // Sticky: nothing more comes out, even a good line after it.
  e.feed("\nok\n");
  CHECK(e.next(m) == decoder::status::too_long);
  // Earlier good lines are still delivered first.
  auto p = decode(f, "ok\n0123456789abcdef");
  CHECK(p.messages == strings{"ok"});
  CHECK(p.last == decoder::status::too_long);
}

TEST_CASE("tcp framing: a flood without newlines keeps the buffer bounded") {
  const framing f{framing_kind::lines, 1000};
  decoder d(f);
  std::string_view m;
  std::size_t fed = 0;
  decoder::status s = decoder::status::need_more;
  while (s == decoder::status::need_more && fed < 100'000) {
    d.feed(std::string(100, 'x'));
    fed += 100;
    s = d.next(m);
  }
  CHECK(s == decoder::status::too_long);
  CHECK(fed <= 1100);
  CHECK(d.buffered() <= 1100);
}

TEST_CASE("tcp framing: frames by length, empty ones too, too long at the header") {
  const framing f{framing_kind::frames, 5};
  auto o = decode(f, frame("hello") + frame("") + frame("ab"));
  CHECK(o.messages == strings{"hello", "", "ab"});
  CHECK(o.last == decoder::status::end);
  const std::string stream = frame("abc") + frame("") + frame("12345");
  for (std::size_t piece = 1; piece <= stream.size(); ++piece)
    CHECK_MESSAGE(decode(f, stream, piece) == decode(f, stream), piece);
  // Over MAX: refused as soon as the 4 header bytes are in, payload or not.
  decoder d(f);
  std::string_view m;
  d.feed(frame("123456").substr(0, 4));
  CHECK(d.next(m) == decoder::status::too_long);
  CHECK(d.error() == "frame of 6 bytes, over 5");
  // A 4 GiB - 1 length does not make the decoder wait for (or allocate) it.
  decoder big(f);
  big.feed(std::string("\xff\xff\xff\xff", 4));
  CHECK(big.next(m) == decoder::status::too_long);
  CHECK(big.capacity() < 4096);
}

TEST_CASE("tcp framing: a partial frame at the end is dropped and counted") {
  const framing f{framing_kind::frames, 100};
  decoder d(f);
  std::string_view m;
  d.feed(frame("whole") + frame("partial").substr(0, 6));
  REQUIRE(d.next(m) == decoder::status::message);
  CHECK(m == "whole");
  CHECK(d.next(m) == decoder::status::need_more);
  d.finish();
  CHECK(d.next(m) == decoder::status::end);
  CHECK(d.truncated() == 6);
  decoder h(f);
  h.feed(std::string("\0\0", 2));
  h.finish();
  CHECK(h.next(m) == decoder::status::end);
  CHECK(h.truncated() == 2);
}

TEST_CASE("tcp framing: prepare/commit reads in place, memory is given back when idle") {
  decoder d({framing_kind::lines, 1 << 20});
  auto room = d.prepare(5);
  REQUIRE(room.size() == 5);
  std::memcpy(room.data(), "ab\ncd", 5);
  d.commit(5);
  std::string_view m;
  REQUIRE(d.next(m) == decoder::status::message);
  CHECK(m == "ab");
  CHECK(d.next(m) == decoder::status::need_more);
  CHECK(d.buffered() == 2);
  // A long line makes the buffer grow; once it is handed out and the
  // buffer is empty, a small read does not keep the big block.
  d.feed(std::string(300'000, 'y') + "\n");
  REQUIRE(d.next(m) == decoder::status::message);
  CHECK(m.size() == 300'002);  // "cd" + the y's
  CHECK(d.capacity() >= 300'000);
  CHECK(d.buffered() == 0);
  d.prepare(1024);
  CHECK(d.capacity() < 300'000);
}

TEST_CASE("tcp framing: frames16, a 2-byte length as DNS over TCP has it") {
  const framing f{framing_kind::frames16, 512};
  CHECK(tcp::read_framing("frames16(65535)"_t) == framing{framing_kind::frames16, 65535});
  CHECK_FALSE(tcp::read_framing("frames16(65536)"_t).has_value());
  CHECK_FALSE(tcp::read_framing("frames16(0)"_t).has_value());
  std::string wire;
  tcp::encode(f, "abc", wire);
  tcp::encode(f, "", wire);
  CHECK(wire == std::string("\0\3abc\0\0", 7));
  CHECK(tcp::encodable(f, 0xffff));
  CHECK_FALSE(tcp::encodable(f, 0x10000));
  const std::string payload(300, 'x');
  std::string stream;
  tcp::encode(f, payload, stream);
  tcp::encode(f, "q", stream);
  for (std::size_t piece = 1; piece <= 7; ++piece) {
    auto o = decode(f, stream, piece);
    CHECK(o.messages == strings{payload, "q"});
    CHECK(o.last == decoder::status::end);
  }
  decoder d(framing{framing_kind::frames16, 5});
  std::string_view m;
  d.feed(std::string("\0\6", 2));
  CHECK(d.next(m) == decoder::status::too_long);
  CHECK(d.error() == "frame of 6 bytes, over 5");
}
