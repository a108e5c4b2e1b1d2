// Garbage on a node's port from a raw socket — random bytes, a length of
// 4 GiB, a length just above the 4 KiB allowed before authentication, a
// truncated frame: the connection ends, the node logs why, and it serves
// the others on. One attack per node: a node logs only the first few failed
// handshakes from one address per minute.
#include <doctest/doctest.h>

#include "raw_frames.hpp"
#include "still_serving.hpp"
#include "test_cluster.hpp"

using namespace agora_test;

namespace {

/// Sends `bytes` to node 1 from a raw socket (then, with `end_stream`,
/// ends its side); checks that node 1 ends the connection and logs a failed
/// handshake from it that contains `reason`, and that it serves on.
void attack_node_1(test_cluster& c, const std::string& bytes, bool end_stream, const std::string& reason) {
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();
  {
    client raw(c.node(1).port());
    REQUIRE(raw.send(bytes) != client::outcome::stalled);
    if (end_stream) raw.shutdown_write();
    CHECK_MESSAGE(raw.wait_closed(5s), "node 1 kept the connection open");
  }
  const auto logged = c.node(1).wait_for("handshake from 127.0.0.1:", 5s, mark1);
  REQUIRE_MESSAGE(logged, "node 1 logged nothing about it");
  CHECK(logged->text.find("failed: ") != std::string::npos);
  CHECK_MESSAGE(logged->text.find(reason) != std::string::npos, "the reason is not '", reason, "'");
  check_still_serving(c, mark1, mark2);
}

}  // namespace

TEST_CASE("garbage: a frame of random bytes ends that connection with a logged reason, and the node serves on") {
  test_cluster c;
  INFO(c.logs());
  start_pair(c);
  // A length that matches what follows, so the node must read the frame:
  // whatever its type byte, it is no HELLO the node can accept. (Not a
  // REFUSE's, which a node logs as the peer's refusal, never answered.)
  auto garbage = random_bytes(100);
  if (garbage[0] == static_cast<char>(frame_type::refuse)) garbage[0] = 0x05;
  attack_node_1(c, length_prefix(100) + garbage, false, "");
}

TEST_CASE("oversized: a length of 4 GiB ends the connection at once (too_long), and the node serves on") {
  test_cluster c;
  INFO(c.logs());
  start_pair(c);
  attack_node_1(c, length_prefix(0xffffffffu), false,
                "too_long(\"frame of 4294967295 bytes exceeds the limit of 4096 bytes\")");
}

TEST_CASE("oversized before authentication: a length of 4097 ends the connection (too_long), and the node serves on") {
  test_cluster c;
  INFO(c.logs());
  start_pair(c);
  attack_node_1(c, length_prefix(4097) + std::string(100, '\x01'), false,
                "too_long(\"frame of 4097 bytes exceeds the limit of 4096 bytes\")");
}

TEST_CASE("truncated: a frame cut short by the end of the stream ends the connection (eof), and the node serves on") {
  test_cluster c;
  INFO(c.logs());
  start_pair(c);
  attack_node_1(c, length_prefix(100) + std::string(10, '\x01'), true, "connection ended during the handshake: eof");
}
