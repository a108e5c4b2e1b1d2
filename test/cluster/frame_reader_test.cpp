// frame_reader without sockets: frames split anyhow across reads, many in
// one read, the limit checked on the announced length before any room is
// made for the frame.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "frame_reader.hpp"

using agora::cluster::detail::frame_reader;

namespace {

std::string wire(std::string_view text) {
  const auto n = static_cast<std::uint32_t>(text.size());
  std::string w{char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  return w.append(text);
}

/// Feeds `bytes` in reads of at most `step` bytes; collects the frames.
struct feeder {
  frame_reader reader;
  std::size_t limit = 4096;
  std::vector<std::string> frames;
  frame_reader::status last = frame_reader::status::need_more;

  void feed(std::string_view bytes, std::size_t step) {
    while (!bytes.empty()) {
      auto room = reader.room();
      REQUIRE(room.size() >= frame_reader::min_room);
      const std::size_t n = std::min({step, bytes.size(), room.size()});
      std::memcpy(room.data(), bytes.data(), n);
      reader.commit(n);
      bytes.remove_prefix(n);
      std::span<const std::byte> f;
      while ((last = reader.next(limit, f)) == frame_reader::status::frame)
        frames.emplace_back(reinterpret_cast<const char*>(f.data()), f.size());
      if (last == frame_reader::status::too_long) return;
    }
  }
};

}  // namespace

TEST_CASE("frame_reader: frames in any split, several per read") {
  std::string all;
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    want.push_back(std::string(static_cast<std::size_t>(i * 37), char('a' + i % 26)));
    all += wire(want.back());
  }
  for (std::size_t step : {1, 3, 4, 5, 1000, 100000}) {
    feeder f;
    f.feed(all, step);
    CHECK(f.frames == want);
    CHECK(f.reader.buffered() == 0);
  }
}

TEST_CASE("frame_reader: empty frames") {
  feeder f;
  f.feed(wire("") + wire("x") + wire(""), 2);
  CHECK(f.frames == std::vector<std::string>{"", "x", ""});
}

TEST_CASE("frame_reader: a frame over the limit is refused on its prefix, before room is made") {
  feeder f;
  f.limit = 100;
  f.feed(wire("ok") + std::string("\x7f\xff\xff\xff", 4) + "rest", 1000);
  CHECK(f.frames == std::vector<std::string>{"ok"});
  CHECK(f.last == frame_reader::status::too_long);
  CHECK(f.reader.announced() == 0x7fffffffu);
  CHECK(f.reader.capacity() <= frame_reader::initial_capacity);
  feeder exact;
  exact.limit = 100;
  exact.feed(wire(std::string(100, 'e')) + wire(std::string(101, 'f')), 7);
  CHECK(exact.frames.size() == 1);
  CHECK(exact.last == frame_reader::status::too_long);
  CHECK(exact.reader.announced() == 101);
}

TEST_CASE("frame_reader: the buffer grows for a large frame and is let go afterwards") {
  feeder f;
  f.limit = 8u << 20;
  const std::string big(5u << 20, 'b');
  f.feed(wire(big) + wire("after"), 64 * 1024);
  REQUIRE(f.frames.size() == 2);
  CHECK(f.frames[0] == big);
  CHECK(f.frames[1] == "after");
  CHECK(f.reader.capacity() >= big.size());  // grown, not yet let go
  auto room = f.reader.room();               // empty again: the large buffer goes
  CHECK(room.size() <= frame_reader::initial_capacity);
}

TEST_CASE("frame_reader: once the length is known, room() makes room for the whole frame") {
  frame_reader r;
  auto room = r.room();
  const std::string head = wire(std::string(300'000, 'q')).substr(0, 10);
  std::memcpy(room.data(), head.data(), head.size());
  r.commit(head.size());
  std::span<const std::byte> f;
  CHECK(r.next(1 << 20, f) == frame_reader::status::need_more);
  CHECK(r.room().size() >= 300'000 + 4 - head.size());
  r.clear();
  CHECK(r.buffered() == 0);
}

TEST_CASE("frame_reader: random bytes in random splits never yield a frame over the limit") {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(std::uniform_int_distribution<std::size_t>(0, 5000)(rng), '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    if (round % 2) bytes[0] = bytes[1] = bytes[2] = 0;  // small lengths too
    feeder f;
    f.limit = std::uniform_int_distribution<std::size_t>(0, 3000)(rng);
    f.feed(bytes, std::uniform_int_distribution<std::size_t>(1, 700)(rng));
    for (const auto& frame : f.frames) CHECK(frame.size() <= f.limit);
    CHECK(f.reader.capacity() <= frame_reader::initial_capacity);
  }
}
