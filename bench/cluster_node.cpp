// agora-bench-node: one agora cluster node (ground + cluster::node over TCP)
// with the actor the cluster benchmark needs, in one of two roles:
//
//   serve --listen 127.0.0.1:0 --secret-file F
//       prints "listening HOST:PORT"; at the cluster level it counts
//       bench(SEQ, BYTES) messages, answers bench_sync(N) with
//       bench_synced(COUNT), and each ping(I, BYTES) with pong(I, BYTES).
//   drive --seed HOST:PORT --secret-file F --messages N --round-trips R --reps K
//       once it sees the server, sends N messages (then a sync), K times,
//       then R round trips one at a time (after R/10 to warm up), and prints
//       the figures as the baselines do (baseline_figures.hpp), then exits.
//
// Both actors live in the ground VM and use t.at_cluster(): the path a user's
// actor takes (turn, ground, cluster level, link, and the same on the far
// side).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/cluster/node.hpp"
#include "agora/cluster/secret.hpp"
#include "agora/ground.hpp"
#include "agora/text.hpp"
#include "baseline_figures.hpp"

using namespace agora;
using clock_type = std::chrono::steady_clock;

namespace {

struct server_state {
  std::int64_t count = 0;
};

actor_spec server() {
  return actor<server_state>{{}, "bench-server"}.on_start([](turn<server_state>& t) {
    auto c = t.at_cluster();
    c.subscribe("bench(_, _)"_t,
                {.on_message = [](turn<server_state>& t, const message&) { ++t.state.count; }});
    c.subscribe("bench_sync(_)"_t, {.on_message = [](turn<server_state>& t, const message&) {
                  t.at_cluster().send(rec("bench_synced", t.state.count));
                }});
    c.subscribe("ping(_, _)"_t, {.on_message = [](turn<server_state>& t, const message& m) {
                  t.at_cluster().send(rec("pong", m.body()[0], m.body()[1]));
                }});
  });
}

struct driver_state {
  std::int64_t messages = 0, round_trips = 0, reps = 0;
  term payload;
  bool started = false;
  // one-way runs
  std::int64_t rep = 0, sent = 0, expected = 0;
  clock_type::time_point t0;
  double best = 0;
  // round trips
  std::int64_t trip = 0;
  std::vector<double> rtt_us;
};

constexpr std::int64_t chunk = 1000;  // messages per turn

void next_trip(turn<driver_state>& t) {
  t.state.t0 = clock_type::now();
  t.at_cluster().send(rec("ping", t.state.trip, t.state.payload));
}

void start_rep(turn<driver_state>& t) {
  t.state.sent = 0;
  t.state.t0 = clock_type::now();
  t.send(rec("bench_continue", t.state.rep));
}

actor_spec driver(std::int64_t messages, std::int64_t round_trips, std::int64_t reps,
                  std::size_t bytes) {
  driver_state s;
  s.messages = messages;
  s.round_trips = round_trips;
  s.reps = reps;
  s.payload = term::bytes(std::string(bytes, 'x'));
  return actor<driver_state>{s, "bench-driver"}.on_start([](turn<driver_state>& t) {
    auto c = t.at_cluster();
    // The server's subscription seen means our messages reach it.
    c.publish("bench(_, _)"_t, {.on_presence = [](turn<driver_state>& t, const presence&) {
                 if (t.state.started) return;
                 t.state.started = true;
                 start_rep(t);
               }});
    t.subscribe("bench_continue(_)"_t, {.on_message = [](turn<driver_state>& t, const message&) {
                  auto c = t.at_cluster();
                  auto& st = t.state;
                  const std::int64_t n = std::min(chunk, st.messages - st.sent);
                  for (std::int64_t i = 0; i < n; ++i) c.send(rec("bench", st.sent + i, st.payload));
                  st.sent += n;
                  if (st.sent < st.messages) {
                    t.send(rec("bench_continue", st.rep));
                  } else {
                    st.expected += st.messages;
                    c.send(rec("bench_sync", st.expected));
                  }
                }});
    c.subscribe("bench_synced($n)"_t, {.on_message = [](turn<driver_state>& t, const message& m) {
                  auto& st = t.state;
                  if (m["n"].as_int() != st.expected) return;
                  const double s = std::chrono::duration<double>(clock_type::now() - st.t0).count();
                  st.best = std::max(st.best, static_cast<double>(st.messages) / s);
                  if (++st.rep < st.reps) return start_rep(t);
                  next_trip(t);
                }});
    c.subscribe("pong($i, _)"_t, {.on_message = [](turn<driver_state>& t, const message& m) {
                  auto& st = t.state;
                  if (m["i"].as_int() != st.trip) return;
                  const double us =
                      std::chrono::duration<double, std::micro>(clock_type::now() - st.t0).count();
                  if (st.trip >= st.round_trips / 10) st.rtt_us.push_back(us);  // after the warm-up
                  if (++st.trip < st.round_trips + st.round_trips / 10) return next_trip(t);
                  agora_bench::print_baseline_figures(st.best, st.rtt_us);
                  t.send(rec("agora.exit", 0));
                }});
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agora-bench-node: a cluster node for agora-bench --only cluster"};
  app.require_subcommand(1);
  std::string listen = "127.0.0.1:0", seed, secret_file;
  std::int64_t messages = 100'000, round_trips = 1000, reps = 1;
  std::size_t bytes = 64;
  auto* serve = app.add_subcommand("serve", "count messages, answer syncs and pings");
  serve->add_option("--listen", listen);
  serve->add_option("--secret-file", secret_file)->required();
  auto* drive = app.add_subcommand("drive", "send, sync, ping, print the figures");
  drive->add_option("--seed", seed)->required();
  drive->add_option("--secret-file", secret_file)->required();
  drive->add_option("--messages", messages);
  drive->add_option("--round-trips", round_trips);
  drive->add_option("--reps", reps);
  drive->add_option("--bytes", bytes);
  CLI11_PARSE(app, argc, argv);

  cluster::node_config config;
  {
    const auto secret = cluster::load_secret(secret_file);
    config.secret.assign(secret.bytes().begin(), secret.bytes().end());
  }
  const bool serving = serve->parsed();
  config.id = serving ? 2 : 1;
  config.listen = serving ? listen : "127.0.0.1:0";
  if (!serving) config.seeds = {seed};
  // A benchmark run saturates the machine: a generous deadline keeps a
  // starved node from being taken for lost.
  config.deadline = std::chrono::seconds(10);

  ground g({.name = serving ? "bench-server" : "bench-driver",
            .threads = 1,
            .log = [](log_level l, std::string_view line) {
              if (l >= log_level::warn) std::fprintf(stderr, "agora-bench-node: %.*s\n",
                                                     static_cast<int>(line.size()), line.data());
            }});
  cluster::node node(g, config);
  node.on_started([serving](const std::string& address) {
    if (serving) std::printf("listening %s\n", address.c_str());
    std::fflush(stdout);
  });
  return g.run(serving ? server() : driver(messages, round_trips, reps, bytes));
}
