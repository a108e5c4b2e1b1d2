// The cluster benchmark's baselines (cluster_baselines.hpp): each one a
// server process and a client process (plus epmd or the broker), the client
// printing its figures as lines (baseline_figures.hpp) that are read here.
#include "cluster_baselines.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "figure_lines.hpp"
#include "loopback_port.hpp"

namespace agora_bench {

namespace {

using namespace std::chrono_literals;
using agora_apps::child_process;
using agora_apps::find_program;
using agora_apps::spawn_options;

constexpr auto start_timeout = 30s;
constexpr auto run_timeout = 600s;  // a client's whole run, every repetition

void emit_figures(const std::string& name, const baseline_figures& f, const std::string& rtt_name) {
  emit("cluster", name + "_msgs_per_s", f.msgs_per_s, "msg/s");
  emit("cluster", name + "_" + rtt_name + "_p50_us", f.rtt_p50_us, "us");
  emit("cluster", name + "_" + rtt_name + "_p99_us", f.rtt_p99_us, "us");
}

std::string skipped_how_to() { return "scripts/bootstrap.sh --bench or agora-bench --install-baselines installs it"; }

// ---- Erlang distribution -----------------------------------------------------------

/// Waits until epmd answers a NAMES_REQ on 127.0.0.1:port (a bare connect
/// and close would make it log a partial packet); false if not within
/// `timeout`.
bool epmd_answers(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto a = loopback_address(port);
    const char names_req[] = {0, 1, 'n'};  // u16 length, then the request
    char reply[4];                         // starts with epmd's own port, u32
    const bool up = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    send(fd, names_req, sizeof names_req, MSG_NOSIGNAL) == sizeof names_req &&
                    recv(fd, reply, sizeof reply, MSG_WAITALL) == sizeof reply;
    if (fd >= 0) close(fd);
    if (up) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

void run_erlang(const cluster_load& load, baseline_figures& f) {
  const auto escript = find_program("escript"), epmd = find_program("epmd");
  if (escript.empty() || epmd.empty()) {
    note("cluster: erlang baseline skipped: no escript or epmd (package erlang-base; {})", skipped_how_to());
    return;
  }
  // A private epmd on 127.0.0.1: the machine's own (if any) is left alone.
  const auto epmd_port = std::to_string(free_loopback_port());
  child_process epmd_daemon({epmd, "-address", "127.0.0.1", "-port", epmd_port});
  if (!epmd_answers(static_cast<std::uint16_t>(std::stoi(epmd_port)), start_timeout))
    throw std::runtime_error("epmd did not answer on 127.0.0.1:" + epmd_port);
  const spawn_options env{.pipe_stdin = false, .env = {"ERL_EPMD_PORT=" + epmd_port}};
  const std::string tag = std::to_string(getpid());
  child_process server({escript, AGORA_DIST_BENCH_ESCRIPT, "server", "agora_bench_server_" + tag}, env);
  const auto server_node = expect_line(server, "the Erlang server node", "ready ", start_timeout);
  child_process client({escript, AGORA_DIST_BENCH_ESCRIPT, "client", "agora_bench_client_" + tag, server_node,
                        std::to_string(load.messages), std::to_string(load.round_trips),
                        std::to_string(load.message_bytes), std::to_string(load.reps)},
                       env);
  f = read_figures(client, "the Erlang client node", run_timeout);
}

// ---- mosquitto ---------------------------------------------------------------------

/// The broker's configuration file, removed when done.
struct broker_config {
  explicit broker_config(std::uint16_t port)
      : path(std::filesystem::temp_directory_path() / ("agora-bench-mosquitto-" + std::to_string(getpid()) + ".conf")) {
    std::ofstream out(path);
    out << "listener " << port << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence false\n"
        << "set_tcp_nodelay true\n"  // as the clients, agora and the other baselines
        << "log_dest stderr\nlog_type error\nlog_type warning\n";
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  broker_config(const broker_config&) = delete;
  broker_config& operator=(const broker_config&) = delete;
  ~broker_config() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  std::filesystem::path path;
};

void run_mosquitto(const cluster_load& load, baseline_figures& f) {
#ifndef AGORA_MQTT_BENCH_BIN
  (void)load, (void)f;
  note("cluster: mosquitto baseline skipped: agora-mqtt-bench was not built (libmosquitto-dev was missing when "
       "the build was configured; {}, then configure again)",
       skipped_how_to());
#else
  const auto broker_program = find_program("mosquitto");
  if (broker_program.empty()) {
    note("cluster: mosquitto baseline skipped: no mosquitto broker (package mosquitto; {})", skipped_how_to());
    return;
  }
  const auto port = free_loopback_port();
  const broker_config config(port);
  child_process broker({broker_program, "-c", config.path.string()});
  if (!wait_listening(port, start_timeout))
    throw std::runtime_error("mosquitto did not listen on 127.0.0.1:" + std::to_string(port));
  const std::string topic = "agora_bench/" + std::to_string(getpid());
  child_process subscriber({AGORA_MQTT_BENCH_BIN, "subscribe", "--port", std::to_string(port), "--topic", topic});
  expect_line(subscriber, "the MQTT subscriber", "ready", start_timeout);
  child_process publisher({AGORA_MQTT_BENCH_BIN, "publish", "--port", std::to_string(port), "--topic", topic,
                           "--messages", std::to_string(load.mqtt_messages), "--round-trips",
                           std::to_string(load.round_trips), "--size", std::to_string(load.message_bytes), "--reps",
                           std::to_string(load.reps)});
  f = read_figures(publisher, "the MQTT publisher", run_timeout);
#endif
}

// ---- the floor: framed TCP ---------------------------------------------------------

void run_tcp_floor(const cluster_load& load, baseline_figures& f) {
  child_process receiver({AGORA_TCP_FLOOR_BIN, "receive"});
  const auto port = expect_line(receiver, "the TCP floor receiver", "listening ", start_timeout);
  child_process sender({AGORA_TCP_FLOOR_BIN, "send", "--port", port, "--messages", std::to_string(load.floor_messages),
                        "--round-trips", std::to_string(load.round_trips), "--size",
                        std::to_string(load.message_bytes), "--reps", std::to_string(load.reps)});
  f = read_figures(sender, "the TCP floor sender", run_timeout);
}

}  // namespace

cluster_load cluster_load_for(const options& opt) {
  cluster_load load;
  load.reps = std::min(opt.reps, 3);
  if (opt.quick) {
    load.messages = 20'000;
    load.mqtt_messages = 20'000;
    load.floor_messages = 200'000;
    load.round_trips = 1'000;
    load.reps = 1;
  }
  return load;
}

void cluster_baselines(const options& opt, cluster_baseline_figures& out) {
  const auto load = cluster_load_for(opt);
  struct baseline {
    const char* name;
    void (*run)(const cluster_load&, baseline_figures&);
    baseline_figures& figures;
    const char* rtt_name;  // in the metric names
  };
  const baseline all[] = {
      {"erlang", run_erlang, out.erlang, "rtt"},
      {"mosquitto", run_mosquitto, out.mosquitto, "rtt_same_client"},
      {"tcp_floor", run_tcp_floor, out.tcp_floor, "rtt"},
  };
  for (const auto& b : all) {
    try {
      b.run(load, b.figures);
    } catch (const std::exception& e) {
      note("cluster: {} baseline FAILED: {}", b.name, e.what());
      out.failures.push_back(std::string(b.name) + ": " + e.what());
      continue;
    }
    if (b.figures.ran) emit_figures(b.name, b.figures, b.rtt_name);
  }
}

}  // namespace agora_bench
