#include "agora/cluster/node.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>

#include "agora/cluster/tcp_transport.hpp"
#include "crypto.hpp"
#include "node_core.hpp"

namespace agora::cluster {

namespace asio = boost::asio;

namespace {

std::uint64_t new_incarnation() {
  // Microseconds since the epoch: a restarted node's incarnation is larger.
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

tcp_transport_options transport_options(const node_config& c,
                                        std::function<void(std::string_view)> log) {
  tcp_transport_options o;
  o.connect_timeout = c.handshake_timeout;
  o.allow = c.allow;
  o.log = std::move(log);
  if (c.tls.enabled) o.tls = tls_files{c.tls.certificate, c.tls.private_key, c.tls.ca};
  return o;
}

node_config checked(node_config c) {
  auto problems = validate(c);
  if (problems.empty()) return c;
  std::string text = "invalid cluster node configuration:";
  for (const auto& p : problems) text += "\n  " + p;
  throw std::invalid_argument(text);
}

}  // namespace

/// The node's state; as the ground's upper level, the ground keeps it alive
/// for as long as it may call it.
struct node::impl final : upper_level, node_env, std::enable_shared_from_this<impl> {
  impl(ground& g, node_config c)
      : io(g.io()),
        sink(g.log()),
        config(checked(std::move(c))),
        incarnation(new_incarnation()),
        net(io, transport_options(config,
                                  [this](std::string_view line) { log(log_level::info, line); })),
        core(config, incarnation, net, *this),
        timer(io) {}

  // node_env
  clock::time_point now() override { return clock::now(); }
  void random_bytes(std::span<std::byte> out) override { system_random_bytes(out); }
  void log(log_level level, std::string_view line) override {
    write_log(sink, level, fmt::format("cluster node {}: {}", config.id, line));
  }
  void on_status(const cluster_status& s) override {
    std::function<void(const cluster_status&)> f;
    {
      std::lock_guard lock(mutex);
      f = status_handler;
    }
    if (f) f(s);
  }
  void complete_status(cluster_status& s) override {
    std::function<void(cluster_status&)> f;
    {
      std::lock_guard lock(mutex);
      f = completer;
    }
    if (f) f(s);
  }
  cluster_status full_status() {
    auto s = core.status();
    complete_status(s);
    return s;
  }

  // upper_level
  void start(root_port& root) override {
    core.ground_side().start(root);
    const std::string address = core.start();
    running = true;
    schedule_tick();
    std::function<void(const std::string&)> f;
    {
      std::lock_guard lock(mutex);
      f = started_handler;
    }
    if (f) f(address);
  }

  void schedule_tick() {
    timer.expires_after(core.tick_period());
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->core.tick();
      self->schedule_tick();
    });
  }

  void apply(std::span<upper_action> batch) override {
    core.ground_side().apply(batch);
  }
  void stop() override {
    core.ground_side().stop();  // bye(shutdown) on every link, flushed
    running = false;
    timer.cancel();
    net.stop();
  }

  asio::io_context& io;
  const log_sink sink;
  const node_config config;
  const std::uint64_t incarnation;
  tcp_transport net;
  node_core core;
  asio::steady_timer timer;
  bool running = false;  // I/O thread only

  std::mutex mutex;  // guards the handlers, set from any thread
  std::function<void(const std::string&)> started_handler;
  std::function<void(const cluster_status&)> status_handler;
  std::function<void(cluster_status&)> completer;
};

node::node(ground& g, node_config config) : impl_(std::make_shared<impl>(g, std::move(config))) {
  g.attach(impl_);
}

node::~node() = default;

void node::on_started(std::function<void(const std::string&)> f) {
  std::lock_guard lock(impl_->mutex);
  impl_->started_handler = std::move(f);
}

void node::on_status(std::function<void(const cluster_status&)> f) {
  std::lock_guard lock(impl_->mutex);
  impl_->status_handler = std::move(f);
}

void node::complete_status(std::function<void(cluster_status&)> f) {
  std::lock_guard lock(impl_->mutex);
  impl_->completer = std::move(f);
}

void node::request_status() {
  asio::post(impl_->io, [n = impl_] { n->core.request_status(); });
}

cluster_status node::status() const {
  auto answer = std::make_shared<std::promise<cluster_status>>();
  auto result = answer->get_future();
  asio::post(impl_->io, [n = impl_, answer] { answer->set_value(n->full_status()); });
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return {};
  return result.get();
}

cluster_status node::status_now() const {
  if (!impl_->io.get_executor().running_in_this_thread())
    throw std::logic_error("cluster::node::status_now() called off the ground's I/O thread");
  return impl_->full_status();
}

std::uint64_t node::incarnation() const noexcept { return impl_->incarnation; }

}  // namespace agora::cluster
