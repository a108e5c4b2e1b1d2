// The cluster as one node sees it: its members (itself included) and its
// links with their counters; and what the services above the node add when
// it reports (node::complete_status): the leader it sees and each member's
// latest telemetry. `agora-node status` prints it; tests read the link
// counters to prove interest filtering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agora/term.hpp"

namespace agora::cluster {

struct member_status {
  std::uint64_t id = 0;
  std::string address;          // "host:port" it listens on
  std::string state;            // "up", "lost" or "left"
  std::uint64_t incarnation = 0;
  std::string reason;           // why it is lost or left ("" while up)
  /// The member's latest telemetry as this node has it: a sequence of
  /// name(VALUE) records (apps/node's status(NODE, FIELDS)); none: unknown.
  std::optional<term> telemetry;
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
  /// Bytes waiting in the send queue. Local: not carried in a status answer.
  std::size_t queued_bytes = 0;
};

/// The leader a node sees: leader(ID, EPOCH) at the cluster level.
struct leader_status {
  std::uint64_t id = 0;
  std::uint64_t epoch = 0;
  friend bool operator==(const leader_status&, const leader_status&) = default;
};

/// A job as a member sees it (agora/actors/jobs.hpp): its parts, how many
/// are done, how many run on each node, and its state (waiting, running,
/// refused; done, failed, cancelled, lost for recent ones).
struct job_status {
  std::string id;
  std::int64_t parts = 0, done = 0;
  std::vector<std::pair<std::uint64_t, std::int64_t>> running;  // (node, parts), by node
  std::string state;
  friend bool operator==(const job_status&, const job_status&) = default;
};

struct cluster_status {
  std::uint64_t node = 0;
  std::uint64_t incarnation = 0;
  std::vector<member_status> members;  // by id
  std::vector<link_status> links;      // by peer id
  std::optional<leader_status> leader; // none seen (or nobody watches)
  std::vector<job_status> jobs;        // recent ones first, then live ones by arrival
};

/// {"node": ID, "incarnation": I, "members": [{"id", "address", "state",
///  "incarnation", "reason", "status"}], "links": [...], "leader": {"id",
///  "epoch"} | null, "jobs": [{"id", "parts", "done", "running": {NODE:
///  COUNT}, "state"}]} — one line. A member's "status" is its telemetry as an
///  object (name(VALUE) fields as "name": VALUE), or null.
std::string to_json(const cluster_status& s);
/// A table for people.
std::string to_text(const cluster_status& s);

/// Telemetry fields (a sequence of name(VALUE) records) as a JSON object,
/// one line: integers, reals, booleans and strings as such, symbols as
/// strings, sequences as arrays, other records as their text.
std::string telemetry_json(const term& fields);

/// As a term, to cross a link (status(TAG, STATUS)), and back; nullopt when
/// the term is not a well-formed status. (A status of 4 fields, without
/// leader and telemetry, or of 6, without jobs, is read too.)
term to_term(const cluster_status& s);
std::optional<cluster_status> status_from_term(const term& t);

}  // namespace agora::cluster
