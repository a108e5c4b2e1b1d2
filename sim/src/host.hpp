// One incarnation of a simulated node: what agora-node runs (a ground VM
// with the timer driver, the node core with its replica) over the simulated
// network and the virtual clock. The ground's io_port keeps virtual time
// (port_clock), so the real timer driver runs in it unchanged.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agora/cluster/config.hpp"
#include "agora/io_port.hpp"
#include "agora/sim/simulation.hpp"
#include "agora/vm.hpp"
#include "kernel.hpp"
#include "network.hpp"
#include "node_core.hpp"

namespace agora::sim::detail {

class host final : private cluster::node_env, private io_port, private port_clock {
 public:
  host(kernel& k, network& net, node_ref self, std::uint64_t incarnation,
       const cluster::node_config& config, bool trace_turns);
  ~host() override;
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// Starts the node (listens, dials its seeds, ticks) and runs `setup`
  /// with its ground, after the timer driver is spawned there.
  void boot(const node_setup& setup, simulation& sim);
  /// SIGTERM: the ground's actors stop with `shutdown`, then the node says
  /// bye to its peers and closes its links, flushing.
  void leave();
  /// kill -9: nothing of this incarnation runs or reports any more; its
  /// sockets close as the kernel closes them.
  void crash();

  node_ref self() const noexcept { return self_; }
  std::uint64_t incarnation() const noexcept { return incarnation_; }
  bool paused() const noexcept { return paused_; }
  void set_paused(bool p) noexcept { paused_ = p; }
  /// Events that reached the node while it was paused, oldest first.
  void hold(std::function<void()> f) { held_.push_back(std::move(f)); }
  std::vector<std::function<void()>> take_held() { return std::exchange(held_, {}); }
  void set_late(clock::duration extra) noexcept { late_ = extra; }

  agora::vm& ground() noexcept { return *machine_; }
  sim_transport& transport() noexcept { return transport_; }
  const cluster::node_core& core() const noexcept { return *core_; }

 private:
  // node_env
  clock::time_point now() override;
  void random_bytes(std::span<std::byte> out) override;
  void log(log_level level, std::string_view line) override;
  // io_port
  boost::asio::io_context& io() noexcept override;
  void post(actor_id who, std::function<void(turn_base&)> f) override;
  bool serial() const noexcept override { return true; }
  const log_sink& log() const noexcept override { return log_sink_; }
  port_clock* own_clock() noexcept override { return this; }
  // port_clock
  port_clock::clock::time_point now() const override;
  void call_at(port_clock::clock::time_point at, std::function<void()> wake) override;

  void schedule_tick();
  void write(std::string_view text);

  kernel& kernel_;
  network& net_;
  const node_ref self_;
  const std::uint64_t incarnation_;
  std::mt19937_64 random_;
  log_sink log_sink_;
  bool paused_ = false;
  bool dead_ = false;
  clock::duration late_{};
  std::vector<std::function<void()>> held_;
  std::unique_ptr<boost::asio::io_context> io_;  // never run: the port's clock keeps time
  sim_transport transport_;
  std::unique_ptr<cluster::node_core> core_;
  std::unique_ptr<agora::vm> machine_;
};

}  // namespace agora::sim::detail
