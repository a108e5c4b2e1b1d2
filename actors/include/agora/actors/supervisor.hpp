// An OTP-style supervisor: starts children in order, restarts them when they
// go away, and gives up when they fail too often.
//
//   using namespace agora::actors;
//   vm.spawn(supervisor("jobs", {.strategy = restart_strategy::one_for_all},
//                       {{"db", db_spec}, {"web", web_spec, restart_type::transient}}));
//
// How it works (presence is the only way actors notice each other):
//  * In its first turn the supervisor publishes `agora.supervisor(TOKEN, "name")`
//    (TOKEN: an integer unique to this supervisor in its VM) and subscribes to
//    `agora.supervised(TOKEN, _, _)`. Then it spawns the children in order.
//  * Each child is spawned from a copy of its spec (so with a fresh initial
//    state) plus two endpoints:
//      publisher  `agora.supervised(TOKEN, "child-id", INCARNATION)`, no handlers:
//                 its absence tells the supervisor that the child stopped, and why;
//      subscriber `agora.supervisor(TOKEN, "name")`: when the supervisor goes
//                 away without stopping the child (stopped from outside,
//                 crashed), the child quits with the supervisor's reason.
//    INCARNATION grows with every start, so the absence of a child the
//    supervisor replaced or stopped itself is recognised and ignored.
//  * A child that stops with reason R is restarted according to its type:
//      permanent: always;  transient: only if R is abnormal (anything but
//      quit, deleted or shutdown);  temporary: never (it is forgotten).
//    Then, per strategy:
//      one_for_one:  only that child is started again;
//      one_for_all:  the other children are stopped (reason `shutdown`) in
//                    reverse start order, then all are started in order;
//      rest_for_one: the children started after it are stopped in reverse
//                    order, then it and they are started in order.
//    Temporary children stopped by a group restart are not started again.
//    A transient child that had stopped normally is started again by a group
//    restart that covers it (as in OTP).
//  * Intensity: each restart decision is timestamped. If a restart would make
//    more than `max_restarts` restarts less than `period` apart, the
//    supervisor gives up: it stops the remaining children in reverse start
//    order (reason `shutdown`) and quits with reason
//        gave_up("child-id", R)
//    naming the child whose stop triggered it and that child's reason term.
//    Whoever watches an endpoint of the supervisor (its parent supervisor, an
//    observer of `agora.supervisor(_, "name")`) sees that as absence.
//
// Ordering: children are spawned in order, in one turn, so their first turns
// run in order. A child that is a supervisor spawns its own children in its
// first turn, so theirs come after the first turns of its later siblings
// (there is no synchronous start as in OTP). Stops the supervisor makes
// itself (group restarts, giving up) are applied in reverse start order
// within one turn, so counterparts see the children's absences in that order.
// Stopping is immediate (an agora actor has no shutdown turn): a child that
// is itself a supervisor is stopped at once, and its own children stop a
// little later, when they see it gone, so possibly after siblings that their
// supervisor stopped after it. When the supervisor is stopped from outside,
// every child quits upon seeing it gone; the order among them is not
// specified.
//
// Child specs are treated uniformly: the two endpoints are appended to
// `endpoints` whatever the spec is (typed actor, nested VM spec, another
// supervisor). They keep an actor with no endpoints of its own alive.
// Spawning a child runs its state's copy constructor; if that throws, the
// supervisor's turn fails and the supervisor crashes (its children then quit).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agora/actor.hpp"

namespace agora::actors {

enum class restart_strategy { one_for_one, one_for_all, rest_for_one };

enum class restart_type {
  permanent,  // always restarted
  transient,  // restarted only after an abnormal stop
  temporary,  // never restarted
};

struct child_spec {
  std::string id;  // unique among the supervisor's children
  actor_spec spec;
  restart_type restart = restart_type::permanent;
};

struct supervisor_config {
  restart_strategy strategy = restart_strategy::one_for_one;
  /// More than this many restarts less than `period` apart: give up.
  int max_restarts = 1;
  std::chrono::milliseconds period{5000};
  /// Time source for the intensity count; empty: steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock{};
};

/// A supervisor of `children` (started in this order). Throws
/// std::invalid_argument if two children share an id. More endpoints may be
/// appended to the returned spec, like to any other.
actor_spec supervisor(std::string name, supervisor_config cfg, std::vector<child_spec> children);

}  // namespace agora::actors
