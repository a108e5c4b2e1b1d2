// write_queue: exact byte counts with frames queued while a write is in
// flight, and what dropping leaves alone.
#include <doctest/doctest.h>

#include <vector>

#include "write_queue.hpp"

using agora::cluster::detail::write_queue;

namespace {
std::vector<std::byte> bytes(std::size_t n) { return std::vector<std::byte>(n, std::byte{7}); }
}  // namespace

TEST_CASE("write_queue: everything waiting goes in one gather, counts stay exact") {
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
  const auto w = q.complete();
  CHECK(w.frames == 2);
  CHECK(w.bytes == 30);
  CHECK(q.bytes() == 5);
  CHECK_FALSE(q.in_flight());
  CHECK(q.take().size() == 1);
  CHECK(q.complete().bytes == 5);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("write_queue: dropping keeps the frames in flight") {
  write_queue q;
  q.push(bytes(10));
  const auto* data = q.take()[0].data();
  q.push(bytes(20));
  q.push(bytes(30));
  q.drop_waiting();
  CHECK(q.bytes() == 10);
  CHECK(q.in_flight());
  CHECK(q.take()[0].data() == data);  // the frame in flight did not move
  CHECK(q.complete().frames == 1);
  CHECK(q.empty());
}
