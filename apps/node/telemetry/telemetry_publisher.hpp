// The ground actor that publishes a node's telemetry at the cluster level
// (telemetry_topics.hpp): status every status_interval (and the alerts the
// samples raise), metrics every metrics_interval, and the log lines the
// relay kept, four times a second. Samples are taken inside the ground VM,
// on the I/O thread, without waiting on anything.
#pragma once

#include <functional>
#include <memory>

#include "agora/actor.hpp"
#include "agora/vm.hpp"
#include "log_relay.hpp"
#include "node_sample.hpp"
#include "telemetry_settings.hpp"

namespace agora::node_app {

/// Runs f inside the ground VM, between turns (vm_handle::post).
using ground_vm_access = std::function<void(std::function<void(vm&)>)>;

actor_spec telemetry_publisher(std::uint64_t id, const telemetry_settings& settings, ground_vm_access in_ground,
                               node_sampler sampler, std::shared_ptr<log_relay> relay);

}  // namespace agora::node_app
