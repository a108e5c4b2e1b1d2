// agora::process — child processes as a driver in the ground VM. The
// protocol (topics, reasons, limits, credit, caveats) is in
// docs/PROCESS.md; in short:
//
//   COMMAND = command(ARGV, ENV, DIR, limits(TIMEOUT_MS, CPU_SECONDS,
//                                            ADDRESS_SPACE_BYTES, OPEN_FILES,
//                                            GRACE_MS))
//     ARGV  ["prog", "arg", ...]  prog with a '/': a path (relative to DIR);
//                                 else looked up in the driver's PATH
//     ENV   ["NAME=VALUE", ...]   the child's whole environment
//     DIR   "" (the driver's cwd) or a directory
//     the limits are integers >= 0, 0 meaning none (GRACE_MS 0: SIGKILL at once)
//
//   process(ID, COMMAND)            owner subscribes (participant): starts it;
//                                   the driver publishes it while it runs;
//                                   absence: exited(CODE), killed(SIGNAL),
//                                   timeout, failed("what"), too_slow("stdin")
//   process.output(ID, _, _)        owner subscribes (before or with the above)
//   process.output(ID, STREAM, BYTES)      driver → owner, STREAM stdout|stderr
//   process.output(ID, STREAM, eof)        driver → owner, after the data
//   process.output(ID, STREAM, credit(N))  owner → driver (feedback)
//   process.input(ID, BYTES)        owner → driver: queued for stdin
//   process.input(ID, eof)          owner → driver: closes stdin
//   get_process_stats(R) / process_stats(R, running, started, exited, killed, ignored)
//
// When the owner's subscription goes (removed, quit, crashed), the driver
// ends the process group: SIGTERM, SIGKILL after GRACE_MS, and reaps.
//
//   ... in a turn<S>, at any depth:
//   process::command c{.argv = {"sh", "-c", "echo hi; exit 3"},
//                      .env = process::inherited_environment()};
//   process::run(t, sym("job1"), c,
//       [](turn<S>& t, process::stream s, std::string_view bytes) { ... },
//       [](turn<S>& t, const reason& why) { ... exited(3) ... });
//
// Spawn one driver per ground: g.spawn(agora::process::driver(g)). The port
// (its io_context) must outlive the driver actor. When the driver stops,
// every process group gets SIGTERM, then SIGKILL after its grace (at most
// driver_options::stop_grace), and is reaped; the ground runs its
// io_context until that is done.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/drivers/detail/stats_query.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::process {

struct driver_options {
  std::string name = "agora.process";
  /// Receives one line per malformed or refused request; empty: the port's
  /// sink (io_port::log(): the ground's, stderr unless configured).
  log_sink log{};
  /// Bytes written to a process's stdin and not yet taken by the pipe
  /// beyond which the process is ended with too_slow("stdin").
  std::size_t input_limit = std::size_t{1} << 20;
  /// Processes running at once (started and not reaped yet); beyond, a
  /// request gets presence and then absence failed("too many processes").
  std::size_t max_processes = 256;
  /// The most bytes one output message carries (one read of a pipe).
  std::size_t chunk_size = std::size_t{64} << 10;
  /// When the driver stops, a process's GRACE_MS is cut to this.
  std::chrono::milliseconds stop_grace{2000};
};

/// The driver actor: spawn it once in the ground VM (the VM `port` posts
/// into). Processes are spawned in its turns (posix_spawn); their pipes and
/// pidfds live on the port's io_context.
actor_spec driver(io_port& port, driver_options options = {});

// ---- terms --------------------------------------------------------------------

/// What to run, as a struct; to_term() gives the COMMAND term.
struct command {
  // Default member initializers keep -Wextra quiet about the ones left out
  // of a designated initializer.
  std::vector<std::string> argv{};
  std::vector<std::string> env{};  // "NAME=VALUE", the whole environment
  std::string dir{};               // "": the driver's working directory
  std::chrono::milliseconds timeout{0};  // 0: none
  std::int64_t cpu_seconds = 0;          // 0: none
  std::int64_t address_space = 0;        // bytes; 0: none
  std::int64_t open_files = 0;           // 0: none
  std::chrono::milliseconds grace{2000}; // SIGTERM → SIGKILL; 0: SIGKILL at once

  term to_term() const;
  friend bool operator==(const command&, const command&) = default;
};

/// A COMMAND term read and checked, or what is wrong with it and where
/// (e.g. "ARGV[1] must be a string, got 3").
struct read_result {
  std::optional<command> value;
  std::string error;
  explicit operator bool() const noexcept { return value.has_value(); }
};
read_result read_command(const term& t);

/// The driver process's own environment as "NAME=VALUE" strings, for a
/// command that inherits it.
std::vector<std::string> inherited_environment();

/// process(ID, COMMAND): what the owner subscribes to.
term topic(term id, const command& c);
term topic(term id, term command_term);
/// process.output(ID, _, _): the output (messages) and its credit (feedback).
term output_topic(term id);

enum class stream : std::uint8_t { out, err };
/// The symbols stdout / stderr.
term stream_symbol(stream s);
/// stdout / stderr as a stream, else nullopt.
std::optional<stream> read_stream(const term& t);

/// CODE of exited(CODE), else nullopt.
std::optional<std::int64_t> exit_code(const reason& why);
/// SIGNAL of killed(SIGNAL), else nullopt.
std::optional<std::int64_t> signal_of(const reason& why);
/// "what" of failed("what") — the process could not be started — else nullopt.
std::optional<std::string> spawn_failure(const reason& why);

// ---- actions (any turn, any depth) ----------------------------------------------

/// Queues bytes for the stdin of process `id` (process.input(ID, BYTES)).
void write(turn_base& t, const term& id, std::string_view bytes);
/// Closes its stdin once what is queued is written (process.input(ID, eof)).
void close_input(turn_base& t, const term& id);
/// Lets the driver send n more output messages of stream `s`.
void grant(turn_base& t, const term& id, stream s, std::int64_t n);

// ---- the run helper ---------------------------------------------------------------

/// Default credit window of run(), per stream.
inline constexpr std::size_t default_window = 16;

/// What run() declared: remove both (stop()) to end the process.
struct handle {
  term id;
  endpoint_id output;   // process.output(ID, _, _)
  endpoint_id process;  // process(ID, COMMAND)
};

namespace detail {

template <class F, class S>
concept output_handler = std::invocable<F&, turn<S>&, stream, std::string_view>;
template <class F, class S>
concept exit_handler = std::invocable<F&, turn<S>&, const reason&>;

void feedback_credit(turn_base& t, const term& id, stream s, std::int64_t n);

/// What the two endpoints of one run() share.
template <class F, class G>
struct run_state {
  F on_output;
  G on_exit;
  std::int64_t handled[2] = {0, 0};  // per stream, since credit was last given back
  bool ended = false;
};

}  // namespace detail

/// Starts `c` as process `id` (any concrete term, unique by the caller's
/// choice) in the ground's process driver, as long as the returned
/// endpoints exist. on_output(t, stream, bytes) runs for every chunk of
/// stdout or stderr (bytes valid during the call); the helper grants
/// `window` messages of credit per stream when the output publisher
/// appears and gives credit back in the handler's own turn, every half
/// window. on_exit(t, why) runs once, after all the output: exited(CODE),
/// killed(SIGNAL), timeout, too_slow("stdin"), failed("what") when the
/// process could not be started (see spawn_failure()), or the driver's stop
/// reason; then the helper removes its endpoints.
template <class S, class F, class G>
  requires detail::output_handler<F, S> && detail::exit_handler<G, S>
handle run(turn<S>& t, term id, const command& c, F on_output, G on_exit,
           std::size_t window = default_window) {
  if (window == 0) window = 1;
  auto shared = std::make_shared<detail::run_state<F, G>>(
      detail::run_state<F, G>{std::move(on_output), std::move(on_exit)});
  const auto w = static_cast<std::int64_t>(window);
  const std::int64_t batch = (w + 1) / 2;
  auto ground = t.at_ground();
  handle h{id, {}, {}};
  // Output first: it must be there when the process (and its output
  // publisher) appears.
  h.output = ground.subscribe(
      output_topic(id),
      {.on_presence = [w](turn<S>& t, const presence& p) {
         detail::feedback_credit(t, p.flow()[0], stream::out, w);
         detail::feedback_credit(t, p.flow()[0], stream::err, w);
       },
       .on_message = [shared, batch](turn<S>& t, const message& m) {
         const term& b = m.body();
         if (!b.is_record("process.output", 3)) return;
         auto s = read_stream(b[1]);
         if (!s || !(b[2].is_bytes() || b[2].is_string())) return;  // eof: nothing to do
         shared->on_output(t, *s, b[2].is_bytes() ? b[2].as_bytes() : b[2].as_string());
         auto& n = shared->handled[static_cast<int>(*s)];
         if (++n >= batch) {
           detail::feedback_credit(t, b[0], *s, n);
           n = 0;
         }
       }});
  const endpoint_id out = h.output;
  h.process = ground.subscribe(
      topic(std::move(id), c),
      {.on_absence = [shared, out](turn<S>& t, const absence& a) {
        if (shared->ended) return;
        shared->ended = true;
        t.remove(out);
        t.remove(a.endpoint);
        shared->on_exit(t, a.why);
      }});
  return h;
}

/// Removes run()'s endpoints: the driver ends the process group (SIGTERM,
/// SIGKILL after the grace); on_exit does not run.
void stop(turn_base& t, const handle& h);

// ---- figures ------------------------------------------------------------------------

/// running: processes started and not reaped yet; started: spawned;
/// exited / killed: reaped after an exit / a signal; ignored: malformed or
/// refused requests.
struct stats {
  std::int64_t running = 0, started = 0, exited = 0, killed = 0, ignored = 0;
};
std::optional<stats> read_stats(const term& reply);

/// Asks the driver for its figures; on_reply(t, stats) runs once.
template <class S, class F>
endpoint_id query_stats(turn<S>& t, term reply_id, F on_reply) {
  static_assert(std::invocable<F&, turn<S>&, const stats&>,
                "on_reply must be callable as f(agora::turn<S>&, const agora::process::stats&)");
  term reply_topic = rec("process_stats", reply_id, _, _, _, _, _);
  return drivers_detail::query_stats(t, std::move(reply_topic),
                                     rec("get_process_stats", std::move(reply_id)), read_stats,
                                     std::move(on_reply));
}

}  // namespace agora::process
