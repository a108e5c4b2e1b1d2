#include "status_command.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "client_node.hpp"
#include "telemetry_table.hpp"

namespace agora::node_app {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// What the client node's callbacks and the polling actor share. Both run on
/// the ground's one I/O thread (the ground VM runs there too): no lock.
struct status_session {
  status_options options;
  bool redraw = false;   // --watch on a terminal, not --json: redraw in place, like top
  bool started = false;  // the client node runs: requests may go
  std::optional<cluster::cluster_status> last;
  steady::time_point last_answer{};
  bool silence_told = false;
};

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{:g} s", d.count() / 1000.0); }

std::string local_time() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[16];
  return std::strftime(text, sizeof text, "%H:%M:%S", &tm) ? text : "";
}

/// Prints the last answer: as JSON (a line), as the text table, or — when
/// redrawing — the screen cleared first and a heading with `note`.
void show(const status_session& s, std::string_view note = {}) {
  const auto& status = *s.last;
  if (s.options.json) {
    fmt::print("{}\n", cluster::to_json(status));
  } else if (s.redraw) {
    fmt::print("\x1b[H\x1b[2J");  // cursor home, clear screen
    fmt::print("agora-node status {}, every {}, at {}{}\n\n", s.options.connect, seconds(s.options.interval),
               local_time(), note);
    fmt::print("{}{}", cluster::to_text(status), telemetry_table(status));
  } else {
    fmt::print("{}{}{}", cluster::to_text(status), telemetry_table(status), s.options.watch ? "\n" : "");
  }
  std::fflush(stdout);
}

/// --watch: the member stopped answering for longer than the timeout.
void tell_silence(status_session& s) {
  const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - s.last_answer);
  if (silent <= s.options.timeout) return;
  if (s.redraw) {
    show(s, fmt::format(" -- no answer for {}", seconds(std::chrono::duration_cast<std::chrono::seconds>(silent))));
  } else if (!s.silence_told) {
    fmt::print(stderr, "agora-node status: no answer from {} for {}; still asking\n", s.options.connect,
               seconds(silent));
    s.silence_told = true;
  }
}

struct poller_state {
  std::shared_ptr<status_session> session;
  std::function<void()> request;
};

/// The root actor: asks again every interval (until the first answer
/// without --watch), and gives up when the first answer is late.
actor_spec status_poller(std::shared_ptr<status_session> session, std::function<void()> request) {
  return actor<poller_state>{{std::move(session), std::move(request)}, "status-poller"}.on_start(
      [](turn<poller_state>& t) {
        const auto& o = t.state.session->options;
        // Before the first answer a request may find no link yet: ask again soon.
        const std::chrono::milliseconds period = o.watch ? o.interval : std::min(o.interval, 250ms);
        timer::every(t, sym("status.poll"), period, [](turn<poller_state>& t, std::int64_t) {
          auto& s = *t.state.session;
          if (s.started && (s.options.watch || !s.last)) t.state.request();
          if (s.options.watch && s.last) tell_silence(s);
        });
        timer::once(t, sym("status.timeout"), o.timeout, [](turn<poller_state>& t, std::int64_t) {
          const auto& s = *t.state.session;
          if (s.last) return;
          fmt::print(stderr,
                     "agora-node status: no answer from {} within {}: cannot connect or authenticate "
                     "(is a node listening there, and is the secret file the cluster's?)\n",
                     s.options.connect, seconds(s.options.timeout));
          t.at_ground().send(rec("agora.exit", 1));
        });
      });
}

}  // namespace

int run_status(const status_options& options) {
  auto config = client_config("status", options.connect, options.secret_file);
  if (!config) return 2;

  // What the libraries say goes to stderr, warnings and errors only: stdout
  // holds the answer.
  ground g(ground_config{.name = "agora-node-status",
                         .threads = 1,
                         .log = [](log_level level, std::string_view line) {
                           if (level >= log_level::warn) fmt::print(stderr, "agora-node status: {}\n", line);
                         }});
  std::unique_ptr<cluster::node> client;
  try {
    client = std::make_unique<cluster::node>(g, std::move(*config));
  } catch (const std::invalid_argument& e) {  // the node's own check of the configuration
    fmt::print(stderr, "agora-node status: {}\n", e.what());
    return 2;
  }
  cluster::node& node = *client;
  auto session = std::make_shared<status_session>();
  session->options = options;
  session->redraw = options.watch && !options.json && ::isatty(STDOUT_FILENO);

  // Posted, so that the node is never called from inside its own callbacks
  // or a turn of the ground VM.
  auto request = [&g, &node] { boost::asio::post(g.io(), [&node] { node.request_status(); }); };
  node.on_started([session, request](const std::string&) {
    session->started = true;
    request();
  });
  node.on_status([session, &g](const cluster::cluster_status& status) {
    if (!session->options.watch && session->last) return;  // a late answer to a repeated request
    session->last = status;
    session->last_answer = steady::now();
    session->silence_told = false;
    show(*session);
    if (!session->options.watch) g.shutdown(0);
  });
  g.spawn(timer::driver(g));
  return g.run(status_poller(session, request));
}

}  // namespace agora::node_app
