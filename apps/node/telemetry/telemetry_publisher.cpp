#include "telemetry_publisher.hpp"

#include "agora/drivers/timer.hpp"
#include "alert_watch.hpp"
#include "telemetry_topics.hpp"

namespace agora::node_app {

namespace {

using namespace std::chrono_literals;

struct publisher_state {
  std::int64_t id = 0;
  telemetry_settings settings;
  ground_vm_access in_ground;
  node_sampler sampler;
  std::shared_ptr<log_relay> relay;
  alert_watch alerts;
};

using pturn = turn<publisher_state>;

/// Takes a sample inside the ground VM and hands it to `then` in a turn of
/// this actor.
template <class Then>
void with_sample(pturn& t, Then then) {
  t.state.in_ground([sampler = t.state.sampler, self = t.self(), then](vm& v) {
    v.post(self, [s = sampler(v), then](turn_base& b) {
      pturn t(b);
      then(t, s);
    });
  });
}

void publish_status(pturn& t, const node_sample& s) {
  auto cluster = t.at_cluster();
  cluster.send(telemetry::status_message(s));
  for (const auto& a : t.state.alerts.check(s, std::chrono::steady_clock::now()))
    cluster.send(telemetry::alert_message(s.id, a.level, a.text));
}

void publish_logs(pturn& t) {
  auto lines = t.state.relay->take();
  if (lines.empty()) return;
  auto cluster = t.at_cluster();
  for (const auto& l : lines) cluster.send(telemetry::log_message(static_cast<std::uint64_t>(t.state.id), l.level, l.text));
}

}  // namespace

actor_spec telemetry_publisher(std::uint64_t id, const telemetry_settings& settings, ground_vm_access in_ground,
                               node_sampler sampler, std::shared_ptr<log_relay> relay) {
  publisher_state init{static_cast<std::int64_t>(id), settings, std::move(in_ground), std::move(sampler),
                       std::move(relay), alert_watch(settings)};
  return actor<publisher_state>{std::move(init), "telemetry-publisher"}.on_start([](pturn& t) {
    const auto me = t.state.id;
    auto cluster = t.at_cluster();
    cluster.publish(telemetry::status_topic(me));
    cluster.publish(telemetry::metrics_topic(me));
    cluster.publish(telemetry::alert_topic(me));
    cluster.publish(telemetry::log_topic(me));
    const auto& s = t.state.settings;
    timer::every(t, sym("telemetry.status"), s.status_interval,
                 [](pturn& t, std::int64_t) { with_sample(t, publish_status); });
    timer::every(t, sym("telemetry.metrics"), s.metrics_interval, [](pturn& t, std::int64_t) {
      with_sample(t, [](pturn& t, const node_sample& s) { t.at_cluster().send(telemetry::metrics_message(s)); });
    });
    timer::every(t, sym("telemetry.log"), 250ms, [](pturn& t, std::int64_t) { publish_logs(t); });
  });
}

}  // namespace agora::node_app
