// write_queue: exact byte counts with frames queued while a write is in
// flight, and what dropping leaves alone; buffer_pool: written frames'
// buffers kept for the next frames, within bounds.
#include <doctest/doctest.h>

#include <vector>

#include "write_queue.hpp"

using agora::cluster::detail::buffer_pool;
using agora::cluster::detail::write_queue;

namespace {
std::vector<std::byte> bytes(std::size_t n) { return std::vector<std::byte>(n, std::byte{7}); }
}  // namespace

TEST_CASE("write_queue: everything waiting goes in one gather, counts stay exact") {
  buffer_pool spare;
  write_queue q;
  CHECK(q.empty());
  q.push(bytes(10));
  q.push(bytes(20));
  CHECK(q.bytes() == 30);
  CHECK(q.has_waiting());
  const auto& gather = q.take();
  REQUIRE(gather.size() == 2);
  CHECK(gather[0].size() == 10);
  CHECK(gather[1].size() == 20);
  CHECK(q.in_flight());
  CHECK_FALSE(q.has_waiting());
  q.push(bytes(5));  // while the write is in flight
  CHECK(q.bytes() == 35);
  CHECK(q.has_waiting());
  const auto w = q.complete(spare);
  CHECK(w.frames == 2);
  CHECK(w.bytes == 30);
  CHECK(q.bytes() == 5);
  CHECK_FALSE(q.in_flight());
  CHECK(q.take().size() == 1);
  CHECK(q.complete(spare).bytes == 5);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("write_queue: dropping keeps the frames in flight") {
  buffer_pool spare;
  write_queue q;
  q.push(bytes(10));
  const auto* data = q.take()[0].data();
  q.push(bytes(20));
  q.push(bytes(30));
  q.drop_waiting();
  CHECK(q.bytes() == 10);
  CHECK(q.in_flight());
  CHECK(q.take()[0].data() == data);  // the frame in flight did not move
  CHECK(q.complete(spare).frames == 1);
  CHECK(q.empty());
}

TEST_CASE("write_queue: written frames leave their buffers to the pool, emptied") {
  buffer_pool spare;
  write_queue q;
  q.push(bytes(100));
  const auto* data = q.take()[0].data();
  q.complete(spare);
  CHECK(spare.size() == 1);
  auto b = spare.take();
  CHECK(b.empty());
  CHECK(b.capacity() >= 100);
  CHECK(b.data() == data);
  CHECK(spare.size() == 0);
  CHECK(spare.take().capacity() == 0);  // none left: a fresh vector
}

TEST_CASE("buffer_pool: keeps at most max_buffers, none too large, none without room") {
  buffer_pool spare;
  for (std::size_t i = 0; i < buffer_pool::max_buffers + 3; ++i) spare.give(bytes(10));
  CHECK(spare.size() == buffer_pool::max_buffers);
  buffer_pool other;
  other.give(bytes(buffer_pool::max_capacity + 1));
  other.give(std::vector<std::byte>());
  CHECK(other.size() == 0);
}
