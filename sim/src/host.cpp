#include "host.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>

#include "agora/drivers/timer.hpp"

namespace agora::sim::detail {

host::host(kernel& k, network& net, node_ref self, std::uint64_t incarnation,
           const cluster::node_config& config, bool trace_turns)
    : kernel_(k),
      net_(net),
      self_(self),
      incarnation_(incarnation),
      random_(mix_seed(k.seed() ^ mix_seed(self.id * 0x10001 + self.generation))),
      log_sink_([this](log_level level, std::string_view line) {
        log(level, line);
      }),
      io_(std::make_unique<boost::asio::io_context>()),
      transport_(net, self) {
  cluster::node_env& env = *this;
  core_ = std::make_unique<cluster::node_core>(config, incarnation, transport_, env);
  // The VM holds the core's ground side, which the core owns.
  std::shared_ptr<upper_level> upper(std::shared_ptr<void>(), &core_->ground_side());
  machine_ = std::make_unique<agora::vm>(fmt::format("node{}", self.id), upper);
  machine_->log(log_sink_);
  if (trace_turns && kernel_.trace().readable()) {
    machine_->trace([this](std::string_view line) {
      kernel_.trace().line(kernel_.now() - kernel_.start(),
                           [&] { return fmt::format("n{} {}", self_.id, line); });
    });
  }
}

host::~host() {
  // The VM first: it stops the core's ground side, which may still write
  // to the (by then stopped) transport.
  machine_.reset();
  core_.reset();
}

void host::boot(const node_setup& setup, simulation& sim) {
  core_->start();
  schedule_tick();
  io_port& port = *this;
  machine_->spawn(agora::timer::driver(port));
  if (setup) {
    node_context ctx{self_.id, incarnation_, *machine_, port, sim};
    setup(ctx);
  }
}

void host::leave() {
  machine_->stop_all(reason::shutdown());
  kernel_.settle(*this);
  machine_.reset();  // the core's ground side stops: bye(shutdown), flushed
  transport_.stop();
  dead_ = true;
}

void host::crash() {
  dead_ = true;
  net_.crashed(transport_);
}

void host::schedule_tick() {
  kernel_.at_node(self_, kernel_.now() + core_->tick_period() + late_, [this] {
    core_->tick();
    schedule_tick();
  });
}

clock::time_point host::now() { return kernel_.now(); }

void host::random_bytes(std::span<std::byte> out) {
  for (std::size_t i = 0; i < out.size(); i += 8) {
    const std::uint64_t r = random_();
    for (std::size_t j = 0; j < 8 && i + j < out.size(); ++j) out[i + j] = std::byte(r >> (8 * j));
  }
}

void host::write(std::string_view text) {
  if (dead_) return;
  kernel_.trace().hashed_line(kernel_.now() - kernel_.start(), fmt::format("n{} {}", self_.id, text));
}

void host::log(log_level level, std::string_view line) {
  write(fmt::format("{}: {}", to_string(level), line));
}

boost::asio::io_context& host::io() noexcept { return *io_; }

void host::post(actor_id who, std::function<void(turn_base&)> f) {
  if (machine_) machine_->post(who, std::move(f));
}

port_clock::clock::time_point host::now() const { return kernel_.now(); }

void host::call_at(port_clock::clock::time_point at, std::function<void()> wake) {
  kernel_.at_node(self_, std::max(at, kernel_.now()) + late_, std::move(wake));
}

}  // namespace agora::sim::detail
