// Interest filtering and ordering across processes, with agora-cluster-probe
// nodes (stream, check, idle) and the link counters of agora-node status:
// a message crosses a link only to a node with a matching subscriber, and
// there once however many subscribers match; every subscriber gets each
// sender's numbers in order, without gaps, also with two streams at once.
#include <doctest/doctest.h>

#include "check_summary.hpp"
#include "test_cluster.hpp"

using namespace agora_test;

namespace {

std::vector<std::string> stream_args(int count, int wait_peers, int batch = 100) {
  return {"--role", "stream", "--count", std::to_string(count), "--wait-peers", std::to_string(wait_peers),
          "--batch", std::to_string(batch)};
}

std::vector<std::string> check_args(int count, int subscribers, int senders = 1) {
  return {"--role",        "check", "--count", std::to_string(count), "--subscribers", std::to_string(subscribers),
          "--senders",     std::to_string(senders)};
}

}  // namespace

TEST_CASE("interest filtering: messages cross only to the node that subscribes, once however many subscribe there") {
  constexpr int count = 1000;
  test_cluster c;
  INFO(c.logs());
  auto& checker = c.start_probe(2, {}, check_args(count, 3));  // three subscribers of seq(_, _, _)
  c.start_probe(3, {checker.address()}, {"--role", "idle"});   // none
  // It sends once it sees a subscriber and both other nodes (so that the
  // idle node's link is up the whole time).
  auto& streamer = c.start_probe(1, {checker.address()}, stream_args(count, 2));
  REQUIRE(streamer.wait_for("stream 1: sent", 20s));
  const auto summary = wait_check_summary(checker, 20s);
  REQUIRE(summary);
  CHECK(summary->complete);
  CHECK(summary->all_in_order_from(1));

  const auto from = c.status(1), at_checker = c.status(2), at_idle = c.status(3);
  CHECK(from.links.at(2).messages_out == count);      // once, not three times
  CHECK(at_checker.links.at(1).messages_in == count);
  CHECK(from.links.at(3).messages_out == 0);          // nothing where nobody subscribes
  CHECK(at_idle.links.at(1).messages_in == 0);
  CHECK(at_idle.links.at(2).messages_in == 0);        // and never forwarded by a third node
  CHECK(at_checker.links.at(3).messages_out == 0);
  CHECK(from.links.at(3).frames_out > 0);             // the idle link carried other frames meanwhile
}

TEST_CASE("ordering under load: two streams at once reach every subscriber in order, each message once per link") {
  constexpr int count = 20000;
  test_cluster c;
  INFO(c.logs());
  // The default deadline (1 s): a node taking in these streams applies
  // their frames and runs its VM in slices of a few milliseconds, so its
  // heartbeats keep coming, sanitizer build included.
  auto& first_checker = c.start_probe(3, {}, check_args(count, 2, 2));
  c.start_probe(4, {first_checker.address()}, check_args(count, 1, 2));
  c.start_probe(1, {first_checker.address()}, stream_args(count, 3, 250));
  c.start_probe(2, {first_checker.address()}, stream_args(count, 3, 250));
  for (std::uint64_t checker : {3, 4}) {
    CAPTURE(checker);
    const auto summary = wait_check_summary(c.node(checker), 60s);
    REQUIRE(summary);
    CHECK(summary->complete);
    CHECK(summary->all_in_order_from(1));
    CHECK(summary->all_in_order_from(2));
  }
  for (std::uint64_t id : {1, 2, 3, 4}) CHECK(c.node(id).lines_with(" lost: ").empty());  // one link per pair throughout
  for (std::uint64_t streamer : {1, 2}) {
    CAPTURE(streamer);
    const auto s = c.status(streamer);
    CHECK(s.links.at(3).messages_out == count);
    CHECK(s.links.at(4).messages_out == count);
    CHECK(s.links.at(3 - streamer).messages_out == 0);  // the other stream has no subscriber
  }
  for (std::uint64_t checker : {3, 4}) {
    CAPTURE(checker);
    const auto s = c.status(checker);
    CHECK(s.links.at(1).messages_in == count);
    CHECK(s.links.at(2).messages_in == count);
    CHECK(s.links.at(7 - checker).messages_in == 0);  // checkers send nothing
  }
}
