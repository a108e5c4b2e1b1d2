// agora::ground — the root VM of a process and its bridge to the real world.
//
// The ground owns a runtime (for nested VMs: one CAF actor each), a
// Boost.Asio io_context run by its own I/O thread(s), and SIGINT/SIGTERM
// handling (on a thread of its own). The ground VM runs on the io_context,
// as an event loop: drivers (timer, TCP, UDP, ...) are actors of the ground
// VM, and their I/O completions run as turns of their driver (io_port::post)
// — taken in batches, on the same thread, without a hop. Handlers never run
// inside a completion handler; but a handler of the ground VM that blocks
// holds the I/O, so put heavy work in a nested VM.
//
//   int main() {
//     agora::ground g;
//     g.spawn(agora::timer::driver(g));        // drivers first
//     return g.run(my_app);                    // the root actor tree
//   }
//
// run() returns when the root actor stops (exit code 0 if it stopped
// normally — quit, deleted or shutdown — and 1 otherwise), when an actor
// sends agora.exit(N) in the ground VM (exit code N), or on SIGINT/SIGTERM
// (exit code 0). Shutdown is orderly: the root tree is stopped with reason
// `shutdown` (nested VMs pass it down, so every survivor sees absences with
// that reason), then the drivers, whose state releases their resources. If
// that takes longer than shutdown_timeout, run() reports it to the log sink
// and ends the process with the exit code at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "agora/actor.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/runtime.hpp"
#include "agora/upper_level.hpp"

namespace agora {

struct ground_config {
  std::string name = "ground";
  std::size_t threads = 0;     // CAF scheduler threads for nested VMs; 0: one per core
  /// Nested VMs run on the I/O thread with the ground VM, one tree stepped
  /// together, instead of as CAF actors in parallel: no thread hop between
  /// levels. For a process whose work is mostly I/O and short turns (a DNS
  /// proxy: one thread, like unbound's or dnsmasq's), where the hops would
  /// cost more than the parallelism gives. A nested VM whose turn blocks
  /// then holds the I/O as the ground VM's would.
  bool nested_on_io_thread = false;
  std::size_t io_threads = 1;  // threads running the io_context (and the ground VM, on a strand)
  /// An I/O thread with nothing to do polls this long before it sleeps, so
  /// that a quick answer (a reply over a cluster link, a TCP peer's next
  /// request) is taken without a wake-up; 0 sleeps at once. The price is
  /// CPU time after each burst of work: at most this much per burst.
  std::chrono::microseconds busy_poll{50};
  std::chrono::milliseconds shutdown_timeout{5000};
  bool handle_signals = true;  // SIGINT and SIGTERM start an orderly shutdown
  std::size_t events_per_slice = 1000;
  trace_sink trace{};  // set: every VM of the tree is traced (e.g. trace_to(stderr))
  /// What the ground, its VMs and (by default) its drivers report (log.hpp).
  log_sink log = log_to_stderr();
};

class ground final : public io_port {
 public:
  explicit ground(ground_config config = {});
  /// Stops everything still running (as shutdown() would) and joins the
  /// I/O threads.
  ~ground() override;
  ground(const ground&) = delete;
  ground& operator=(const ground&) = delete;

  /// Puts `upper` (the cluster level: agora::cluster::node) above the
  /// ground VM. Before run(). It runs on the I/O thread with the ground VM,
  /// and is stopped after the ground VM's last actor, so that it can leave
  /// in order (the I/O thread goes on until shutdown_timeout for that).
  void attach(std::shared_ptr<upper_level> upper);

  /// Adds an actor (typically a driver) to the ground VM. Before run(), it
  /// starts with the VM, ahead of the root; during run(), it is posted.
  void spawn(actor_spec spec);

  /// Runs `root` in the ground VM until it stops, agora.exit(N) is sent, or
  /// a signal / shutdown() arrives; then shuts down in order and returns
  /// the exit code. Call once.
  int run(actor_spec root);

  /// Starts the orderly shutdown from any thread (exit code `code`).
  void shutdown(int code = 0);

  /// A handle to the ground VM for other threads (send, post, tap, ...).
  /// Valid during run().
  vm_handle handle() const;

  // io_port
  boost::asio::io_context& io() noexcept override;
  /// Before run(), turns wait for the ground VM.
  void post(actor_id who, std::function<void(turn_base&)> f) override;
  bool serial() const noexcept override;
  const log_sink& log() const noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agora
