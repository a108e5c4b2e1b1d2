// The cluster as one node sees it: its members (itself included) and its
// links with their counters. `agora-node status` prints it; tests read the
// link counters to prove interest filtering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agora/term.hpp"

namespace agora::cluster {

struct member_status {
  std::uint64_t id = 0;
  std::string address;          // "host:port" it listens on
  std::string state;            // "up", "lost" or "left"
  std::uint64_t incarnation = 0;
  std::string reason;           // why it is lost or left ("" while up)
};

/// Counters of one link, both directions.
struct link_counters {
  std::uint64_t frames_out = 0, frames_in = 0;
  std::uint64_t messages_out = 0, messages_in = 0;  // msg and fb ops
  std::uint64_t bytes_out = 0, bytes_in = 0;        // frames with their length prefix
};

struct link_status {
  std::uint64_t peer = 0;
  std::uint64_t incarnation = 0;
  std::string address;
  bool dialed = false;           // this node dialed it
  std::int64_t rtt_us = -1;      // last ping round trip; -1: none yet
  link_counters counters;
};

struct cluster_status {
  std::uint64_t node = 0;
  std::uint64_t incarnation = 0;
  std::vector<member_status> members;  // by id
  std::vector<link_status> links;      // by peer id
};

/// {"node": ID, "members": [{"id", "address", "state", "incarnation", "reason"}],
///  "links": [...]} — one line.
std::string to_json(const cluster_status& s);
/// A table for people.
std::string to_text(const cluster_status& s);

/// As a term, to cross a link (status(TAG, STATUS)), and back; nullopt when
/// the term is not a well-formed status.
term to_term(const cluster_status& s);
std::optional<cluster_status> status_from_term(const term& t);

}  // namespace agora::cluster
