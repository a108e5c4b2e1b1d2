// The scripted roles of agora-cluster-probe (main.cpp), each the root actor
// of the probe's ground. Every role publishes probe(ID) at the cluster level
// after its own endpoints, so a peer that sees probe(ID) knows that this
// node's endpoints have reached it too (a link applies frames in order).
//
//   stream  publishes seq(ID, _, _); once it sees a subscriber flow and
//           probe(_) of `wait_peers` other nodes, sends seq(ID, I, PAD) for I
//           in 0 .. count-1 at the cluster level, `batch` per turn (PAD: a
//           string of `payload` bytes) — one turn after the other, or one
//           every `interval_ms` (a paced stream; the timer driver must run);
//           says "stream ID: peer N present" for each, and "stream ID: sent
//           N" at the end.
//   check   `subscribers` subscriber endpoints of seq($from, $i, _) in one turn
//           (so they reach every peer together); checks, per subscriber and
//           sender, that the numbers come in order without gaps from the
//           first one; once every subscriber has had the last number
//           (count-1) from `senders` senders, prints one line
//           "check summary: {JSON}".
//   idle    nothing but probe(ID).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agora/actor.hpp"

namespace agora_probe {

/// Prints one line on standard output (whole, flushed).
using output = std::function<void(const std::string& line)>;

struct stream_options {
  std::int64_t id = 0;
  std::int64_t count = 1000;
  std::int64_t batch = 100;
  std::int64_t wait_peers = 1;
  std::int64_t payload = 0;
  std::int64_t interval_ms = 0;  // 0: batches back to back
};

struct check_options {
  std::int64_t id = 0;
  std::int64_t count = 1000;
  std::int64_t subscribers = 1;
  std::int64_t senders = 1;
};

agora::actor_spec stream_role(stream_options o, output out);
agora::actor_spec check_role(check_options o, output out);
agora::actor_spec idle_role(std::int64_t id);

}  // namespace agora_probe
