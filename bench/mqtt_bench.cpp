// agora-mqtt-bench: the MQTT baseline of the cluster benchmark, QoS 0
// through a mosquitto broker on 127.0.0.1 (libmosquitto, its network thread
// per client: the library's ordinary use; TCP_NODELAY on).
//
//   agora-mqtt-bench subscribe --port P --topic T
//       counts messages on T/data; on T/sync publishes the count on
//       T/synced (and starts again from 0). Prints "ready" once subscribed;
//       runs until killed.
//   agora-mqtt-bench publish --port P --topic T [--messages N] [--round-trips R] [--size B] [--reps K]
//       one-way, publisher → broker → subscriber: N messages on T/data,
//       then T/sync, until T/synced comes back; the best rate of K runs.
//       Round trips client → broker → the same client: R messages on a
//       topic it subscribes to itself, one at a time. Prints the figures
//       (baseline_figures.hpp).
#include <CLI/CLI.hpp>
#include <mosquitto.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "baseline_figures.hpp"

namespace {

using bench_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct mosquitto_library {
  mosquitto_library() { mosquitto_lib_init(); }
  ~mosquitto_library() { mosquitto_lib_cleanup(); }
  mosquitto_library(const mosquitto_library&) = delete;
  mosquitto_library& operator=(const mosquitto_library&) = delete;
};

/// One connected MQTT client with its network thread. `on_message` runs on
/// that thread.
class mqtt_client {
 public:
  using handler = std::function<void(mqtt_client&, std::string_view topic, std::string_view payload)>;

  mqtt_client(std::uint16_t port, handler on_message) : on_message_(std::move(on_message)) {
    mosq_ = mosquitto_new(nullptr, true, this);
    if (!mosq_) throw std::runtime_error("mosquitto_new failed");
    mosquitto_connect_callback_set(mosq_, [](mosquitto*, void* self, int rc) {
      static_cast<mqtt_client*>(self)->signal([&](mqtt_client& c) { c.connack_ = rc; });
    });
    mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int mid, int, const int*) {
      static_cast<mqtt_client*>(self)->signal([&](mqtt_client& c) { c.subacks_.push_back(mid); });
    });
    mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
      auto& c = *static_cast<mqtt_client*>(self);
      c.on_message_(c, m->topic, {static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)});
    });
    // TCP_NODELAY, as agora, Erlang distribution and the TCP floor have.
    check(mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY");
    check(mosquitto_connect(mosq_, "127.0.0.1", port, 60), "connect");
    check(mosquitto_loop_start(mosq_), "loop_start");
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, 10s, [&] { return connack_.has_value(); }) || *connack_ != 0)
      throw std::runtime_error("no CONNACK from the broker");
  }
  mqtt_client(const mqtt_client&) = delete;
  mqtt_client& operator=(const mqtt_client&) = delete;
  ~mqtt_client() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }

  /// Subscribes (QoS 0) and waits for the SUBACK.
  void subscribe(const std::string& topic) {
    int mid = 0;
    check(mosquitto_subscribe(mosq_, &mid, topic.c_str(), 0), "subscribe");
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, 10s, [&] { return std::find(subacks_.begin(), subacks_.end(), mid) != subacks_.end(); }))
      throw std::runtime_error("no SUBACK for " + topic);
  }

  void publish(const std::string& topic, std::string_view payload) {
    check(mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 0, false),
          "publish");
  }

 private:
  static void check(int rc, const char* what) {
    if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(std::string(what) + ": " + mosquitto_strerror(rc));
  }
  template <class F>
  void signal(F f) {
    {
      std::lock_guard lock(m_);
      f(*this);
    }
    cv_.notify_all();
  }

  mosquitto* mosq_ = nullptr;
  handler on_message_;
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<int> connack_;
  std::vector<int> subacks_;
};

/// A value one thread sets and another waits for.
template <class T>
class mailbox {
 public:
  void put(T v) {
    {
      std::lock_guard lock(m_);
      value_ = std::move(v);
    }
    cv_.notify_all();
  }
  T take(std::chrono::milliseconds timeout, const char* what) {
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, timeout, [&] { return value_.has_value(); }))
      throw std::runtime_error(std::string("timed out waiting for ") + what);
    T v = std::move(*value_);
    value_.reset();
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

int subscribe(std::uint16_t port, const std::string& topic) {
  std::uint64_t count = 0;  // touched on the network thread only
  mqtt_client client(port, [&](mqtt_client& c, std::string_view t, std::string_view) {
    if (t.size() > topic.size() && t.substr(topic.size()) == "/data") {
      ++count;
    } else {
      c.publish(topic + "/synced", std::to_string(count));
      count = 0;
    }
  });
  client.subscribe(topic + "/data");
  client.subscribe(topic + "/sync");
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) pause();  // until killed
}

int publish(std::uint16_t port, const std::string& topic, std::size_t messages, std::size_t round_trips,
            std::size_t size, int reps) {
  const std::string payload(size, 'x');
  const std::string self_topic = topic + "/rtt/" + std::to_string(getpid());
  mailbox<std::uint64_t> synced;
  mailbox<bool> round_trips_done;
  // Round trips, driven from the network thread: each arrival sends the next.
  std::size_t rtt_left = 0;
  bench_clock::time_point sent_at;
  std::vector<double> rtt_us;
  mqtt_client client(port, [&](mqtt_client& c, std::string_view t, std::string_view body) {
    if (t == self_topic) {
      rtt_us.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - sent_at).count());
      if (--rtt_left == 0) return round_trips_done.put(true);
      sent_at = bench_clock::now();
      c.publish(self_topic, payload);
    } else {
      synced.put(std::stoull(std::string(body)));
    }
  });
  client.subscribe(topic + "/synced");
  client.subscribe(self_topic);

  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const auto start = bench_clock::now();
    for (std::size_t i = 0; i < messages; ++i) client.publish(topic + "/data", payload);
    client.publish(topic + "/sync", "s");
    const auto got = synced.take(120s, "the subscriber's count");
    const double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
    if (got != messages)  // QoS 0: the broker may drop; the rate counts what arrived
      std::fprintf(stderr, "agora-mqtt-bench: %llu of %zu messages arrived\n", static_cast<unsigned long long>(got),
                   messages);
    best = std::max(best, static_cast<double>(got) / secs);
  }

  const auto run_round_trips = [&](std::size_t n) {
    rtt_us.clear();
    rtt_left = n;  // the network thread reads it only after the publish below
    sent_at = bench_clock::now();
    client.publish(self_topic, payload);
    round_trips_done.take(120s, "the round trips");
  };
  run_round_trips(std::max<std::size_t>(1, round_trips / 10));  // warm-up
  run_round_trips(round_trips);
  agora_bench::print_baseline_figures(best, rtt_us);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agora-mqtt-bench: MQTT QoS 0 through a mosquitto broker, the cluster benchmark's baseline"};
  app.require_subcommand(1);
  std::uint16_t port = 0;
  std::string topic = "agora_bench";
  std::size_t messages = 200'000, round_trips = 10'000, size = 64;
  int reps = 3;
  auto* sub = app.add_subcommand("subscribe", "count TOPIC/data, answer TOPIC/sync on TOPIC/synced");
  auto* pub = app.add_subcommand("publish", "measure against a subscriber; print the figures");
  for (auto* cmd : {sub, pub}) {
    cmd->add_option("--port", port, "the broker's port on 127.0.0.1")->required();
    cmd->add_option("--topic", topic, "topic prefix")->capture_default_str();
  }
  pub->add_option("--messages", messages, "messages per one-way run")->capture_default_str();
  pub->add_option("--round-trips", round_trips, "round trips, one at a time")->capture_default_str();
  pub->add_option("--size", size, "payload bytes per message")->capture_default_str();
  pub->add_option("--reps", reps, "one-way runs; the best is printed")->check(CLI::PositiveNumber)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    mosquitto_library lib;
    return sub->parsed() ? subscribe(port, topic) : publish(port, topic, messages, round_trips, size, reps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agora-mqtt-bench: %s\n", e.what());
    return 1;
  }
}
