// agora::sim::simulation — a whole cluster in one process, where every run is
// a function of a seed.
//
// Each simulated node is what agora-node runs: a ground VM (an agora::vm,
// with every VM nested in it run deterministically in one thread), the timer
// driver, the cluster node core (handshakes, sessions, heartbeats,
// membership) and the replica — the production code. Only three things
// differ: the transport is a simulated network, the clock is virtual, and
// one thread schedules everything in an order drawn from the seed.
//
// Virtual time jumps to the next event when nothing is runnable: a quiet
// hour of a five-node cluster takes seconds. Turns take no virtual time.
//
//   agora::sim::simulation sim({.seed = 42});
//   for (std::uint64_t id = 1; id <= 3; ++id)
//     sim.add_node(id, [](agora::sim::node_context& n) {
//       n.ground.spawn(my_app(n.id));       // the node's actor tree
//     });
//   sim.run_for(2s);                        // they link and see each other
//   sim.crash(3);                           // kill -9
//   sim.run_for(100ms);                     // 1 and 2 saw node_lost(3)
//   sim.restart(3);                         // a new incarnation, same setup
//
// The network models TCP as the cluster sees it: a connection delivers its
// frames in order, after a latency with jitter, or breaks; it never loses a
// frame silently. A partition or a one-way cut stalls the frames crossing
// it (as TCP retransmits) until it heals or the connection is closed; a
// connection to a crashed node is reset; a paused node's kernel still takes
// bytes until its receive buffer is full.
//
// Everything runs on the caller's thread, inside run_*(); the API is not
// thread-safe. Setup functions and actors may keep references to objects
// of the test (recorders, counters): nothing else runs concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agora/cluster/config.hpp"
#include "agora/cluster/status.hpp"
#include "agora/io_port.hpp"
#include "agora/vm.hpp"

namespace agora::sim {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class simulation;

/// What a node's setup function gets, once per incarnation.
struct node_context {
  std::uint64_t id;
  std::uint64_t incarnation;
  agora::vm& ground;  // the node's ground VM; the timer driver runs in it
  io_port& port;      // for drivers: posts turns, keeps virtual time
  simulation& sim;
};
using node_setup = std::function<void(node_context&)>;

struct simulation_config {
  std::uint64_t seed = 1;
  /// One-way latency of every link: `latency` plus a uniform draw in
  /// [0, jitter] per frame (a connection still delivers in order).
  std::chrono::microseconds latency{200};
  std::chrono::microseconds jitter{300};
  /// A dial whose SYN cannot cross (a partition) fails after this long.
  std::chrono::milliseconds connect_timeout{1000};
  /// Bytes a paused node's kernel takes per connection before its peers'
  /// writes stall.
  std::size_t receive_buffer = 1u << 20;
  /// The cluster settings every node starts from (id, listen, seeds and
  /// secret are filled in per node; the secret is drawn from the seed).
  cluster::node_config node_defaults{};
  /// A readable trace: one line per event (deliveries, timers, faults, the
  /// nodes' logs) — and, with trace_turns, every turn of every VM.
  std::function<void(std::string_view line)> trace{};
  bool trace_turns = false;
};

/// How a node stands now.
enum class node_state { up, paused, crashed, stopped };

class simulation {
 public:
  explicit simulation(simulation_config config = {});
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  // ---- nodes ---------------------------------------------------------------

  /// Adds member `id`, listening on address_of(id) and dialing every node
  /// added before it, and runs `setup` (after spawning the timer driver in
  /// its ground). `tweak` may change its cluster settings. Throws
  /// std::invalid_argument for a used id or a configuration validate()
  /// refuses.
  void add_node(std::uint64_t id, node_setup setup,
                std::function<void(cluster::node_config&)> tweak = {});
  /// Adds client `id` (agora-node submit, status, ...): it dials member
  /// `seed`, links to every member it learns of and takes part in the
  /// cluster level, but is no member (docs/CLUSTER.md). Faults apply to it
  /// as to a member.
  void add_client(std::uint64_t id, std::uint64_t seed, node_setup setup,
                  std::function<void(cluster::node_config&)> tweak = {});
  /// "10.A.B.C:7000" with A.B.C the id's low three bytes (ids below 2^24);
  /// "nID.sim:7000" for larger ids.
  static std::string address_of(std::uint64_t id);
  std::vector<std::uint64_t> node_ids() const;
  node_state state(std::uint64_t id) const;
  std::uint64_t incarnation(std::uint64_t id) const;
  /// The node's ground VM (its current incarnation's). Not for a crashed one.
  agora::vm& ground(std::uint64_t id);
  /// The cluster as node `id` sees it (empty for a crashed node).
  cluster::cluster_status status(std::uint64_t id) const;

  // ---- time ------------------------------------------------------------------

  /// Virtual time: starts at start_time(), moves only inside run_*().
  clock::time_point now() const noexcept;
  clock::time_point start_time() const noexcept;
  /// Runs every event due until now() + d, then sets now() there.
  void run_for(clock::duration d);
  void run_until(clock::time_point t);
  /// Runs until `done()` (checked after each event) or `limit` of virtual
  /// time passed; returns done().
  bool run_until(const std::function<bool()>& done, clock::duration limit);
  /// Calls `f` at virtual time `t` (now, if t is past), between events,
  /// when a run reaches it: to apply faults or check observations on a
  /// schedule (the nemesis does).
  void at(clock::time_point t, std::function<void()> f);

  /// Frames from `from` to `to` take `latency` plus up to `jitter` (instead
  /// of the configured defaults); one direction: set both for a slow link.
  void set_link(std::uint64_t from, std::uint64_t to, std::chrono::microseconds latency,
                std::chrono::microseconds jitter = {});

  // ---- faults (applied now; each is traced) ------------------------------------

  /// kill -9: the node stops at once; its peers' connections are reset
  /// (frames it had sent still arrive first). Nothing of it runs again.
  void crash(std::uint64_t id);
  /// Starts a crashed node again as a new incarnation, with the same id,
  /// settings and setup. (Crashes it first if it is not crashed.)
  void restart(std::uint64_t id);
  /// SIGTERM: the node's actors stop with reason `shutdown`, then it says
  /// bye to its peers (they see `shutdown`, not node_lost) and its links
  /// close. restart() starts it again. Only an up node stops.
  void stop(std::uint64_t id);
  /// SIGSTOP / SIGCONT: a paused node runs nothing; what reaches it waits
  /// (up to the receive buffer per connection). On resume, its timers find
  /// they are late and everything that waited is taken in order.
  void pause(std::uint64_t id);
  void resume(std::uint64_t id);
  /// Frames from `from` to `to` stop crossing (a one-way cut), until
  /// restore(); TCP's view: they wait, they are not lost.
  void cut(std::uint64_t from, std::uint64_t to);
  void restore(std::uint64_t from, std::uint64_t to);
  /// Nodes in different groups cannot reach each other (both ways); nodes
  /// in no group are cut off from everyone. Replaces earlier cuts.
  void partition(const std::vector<std::vector<std::uint64_t>>& groups);
  /// Restores every link.
  void heal();
  /// The node's timers and ticks fire `extra` late (0: on time again), as
  /// in a starved process; its clock still reads the true time.
  void set_late(std::uint64_t id, clock::duration extra);

  // ---- determinism -----------------------------------------------------------

  std::uint64_t seed() const noexcept;
  /// Randomness for the test itself, derived from the seed (a stream of
  /// its own: drawing from it changes no node's behaviour).
  std::mt19937_64& random() noexcept;
  /// Events run so far: network and timer events, faults, and VM events.
  std::uint64_t events() const noexcept;
  /// A hash of everything that happened so far (events with their times,
  /// nodes and frame bytes, faults, the nodes' logs): two runs of one seed
  /// give the same hash. 16 hex digits.
  std::string trace_hash() const;
  /// Adds a line to the trace (and the hash): a test's own observations.
  void note(std::string_view line);

 private:
  struct impl;
  void add(std::uint64_t id, cluster::node_config c, node_setup setup);
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::sim
