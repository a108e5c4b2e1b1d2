// agora::upper_level — what stands above a root VM (the cluster level).
//
// A nested VM talks to its parent VM through a link; the root VM of a node
// (the ground) talks the same way to the level above it, when there is one.
// Its actors reach that level with t.at_cluster() (from any depth: relaying
// through the VMs in between is automatic). The root VM hands the level its
// actions there — declare, withdraw, send, feedback, in the order the turns
// made them, one batch per slice — and the level answers with events for
// the endpoints the root declared, through the root_port it was given.
//
// Both directions run on the root VM's thread: apply() is called there, and
// root_port::deliver() may be called there too (it queues; the events are
// handled in the root VM's next slice, in order).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "agora/event.hpp"
#include "agora/term.hpp"

namespace agora {

/// One action of the root VM at the level above it.
struct upper_action {
  enum class kind : std::uint8_t { declare, withdraw, send, feedback };
  enum kind kind = kind::send;
  /// declare / withdraw: the endpoint, named by the root VM (unique among
  /// its live endpoints at that level).
  std::uint64_t endpoint = 0;
  /// declare: the topic; send / feedback: the message.
  term topic{};
  /// withdraw: the reason.
  term why{};
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  /// declare: which events the endpoint handles (others need not be sent).
  bool presence = false, absence = false, message = false;
};

/// One event for an endpoint the root VM declared at the level above.
struct upper_event {
  enum class kind : std::uint8_t { presence, absence, message, feedback };
  enum kind kind = kind::message;
  std::uint64_t endpoint = 0;
  term topic{};  // the flow, or the message body
  term why{};    // absence: the reason
};

/// How the level above reaches the root VM.
class root_port {
 public:
  virtual ~root_port() = default;
  /// Queues events for the root VM's endpoints, in order. The events are
  /// moved from; their storage stays the caller's, to be reused.
  virtual void deliver(std::span<upper_event> events) = 0;
  void deliver(std::initializer_list<upper_event> events) {
    std::vector<upper_event> copy(events);
    deliver(std::span<upper_event>(copy));
  }
  /// Back-pressure: while held, the root VM and every VM nested in it run
  /// no turn (events keep queueing), so that nothing more is sent to a
  /// level that cannot take it; hold(false) lets them go on.
  virtual void hold(bool on) = 0;
};

/// The level above a root VM.
class upper_level {
 public:
  virtual ~upper_level() = default;
  /// The root VM starts: events go to `port` from now on (it stays valid
  /// until stop() returns).
  virtual void start(root_port& port) = 0;
  /// The root VM's actions at this level, in order. They may be moved
  /// from; their storage stays the caller's, to be reused.
  virtual void apply(std::span<upper_action> batch) = 0;
  /// The root VM has stopped every actor (its endpoints here are withdrawn):
  /// leave in order. Called once, on the root VM's thread.
  virtual void stop() = 0;
};

}  // namespace agora
