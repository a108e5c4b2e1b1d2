#include "agora/sim/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "host.hpp"
#include "kernel.hpp"
#include "network.hpp"

namespace agora::sim {

using detail::host;
using detail::node_ref;

namespace {

/// The first incarnation number; later ones add the virtual microseconds
/// since the start, so a restarted node's is larger (as in production,
/// where it is the wall clock's microseconds).
constexpr std::uint64_t first_incarnation = 1'000'000;

std::vector<std::byte> secret_from(std::uint64_t seed) {
  std::vector<std::byte> s(32);
  std::uint64_t x = detail::mix_seed(seed ^ 0x736563726574ull);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 8 == 0) x = detail::mix_seed(x);
    s[i] = std::byte(x >> (8 * (i % 8)));
  }
  return s;
}

}  // namespace

struct simulation::impl {
  struct slot {
    cluster::node_config config;
    node_setup setup;
    node_state state = node_state::up;
    std::uint64_t generation = 0;
    std::uint64_t incarnation = 0;
    clock::duration late{};
    std::unique_ptr<host> h;
  };

  impl(simulation& s, simulation_config c)
      : self(s),
        config(std::move(c)),
        kernel(config.seed, config.trace),
        net(kernel, {config.latency, config.jitter, config.connect_timeout, config.receive_buffer}),
        secret(secret_from(config.seed)),
        user_random(detail::mix_seed(config.seed ^ 0x75736572ull)) {}

  ~impl() {
    // Hosts first (their VMs stop their cores), while the network exists.
    for (auto& [id, s] : nodes)
      if (s.h) {
        kernel.withdraw(*s.h);
        s.h->crash();
        s.h.reset();
      }
  }

  slot& at(std::uint64_t id) {
    auto it = nodes.find(id);
    if (it == nodes.end()) throw std::out_of_range(fmt::format("agora::sim: no node {}", id));
    return it->second;
  }
  const slot& at(std::uint64_t id) const { return const_cast<impl*>(this)->at(id); }

  void fault(std::string_view text) { kernel.trace().hashed_line(kernel.now() - kernel.start(), text); }

  /// Faults asked for from inside a run (a handler, a check) take effect
  /// right after the current event, never in the middle of a node's code.
  void apply(std::function<void()> f) {
    if (running) kernel.at(kernel.now(), std::move(f));
    else f();
  }

  void boot(std::uint64_t id, slot& s) {
    const auto elapsed = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(kernel.now() - kernel.start()).count());
    s.incarnation = std::max(s.incarnation + 1, first_incarnation + elapsed);
    s.generation = ++generations;
    s.state = node_state::up;
    s.h = std::make_unique<host>(kernel, net, node_ref{id, s.generation}, s.incarnation, s.config,
                                 config.trace_turns);
    s.h->set_late(s.late);
    kernel.enroll(*s.h);
    fault(fmt::format("sim: n{} starts, incarnation {}", id, s.incarnation));
    s.h->boot(s.setup, self);
    if (s.h) kernel.settle(*s.h);
  }

  void kill(slot& s) {
    if (!s.h) return;
    kernel.withdraw(*s.h);
    s.h->crash();
    s.h.reset();
  }

  simulation& self;
  simulation_config config;
  detail::kernel kernel;
  detail::network net;
  std::vector<std::byte> secret;
  std::mt19937_64 user_random;
  std::map<std::uint64_t, slot> nodes;
  std::uint64_t generations = 0;
  bool running = false;
};

simulation::simulation(simulation_config config)
    : impl_(std::make_unique<impl>(*this, std::move(config))) {}

simulation::~simulation() = default;

std::string simulation::address_of(std::uint64_t id) {
  if (id < (1u << 24)) return fmt::format("10.{}.{}.{}:7000", (id >> 16) & 255, (id >> 8) & 255, id & 255);
  return fmt::format("n{}.sim:7000", id);
}

void simulation::add_node(std::uint64_t id, node_setup setup,
                          std::function<void(cluster::node_config&)> tweak) {
  if (impl_->nodes.contains(id)) throw std::invalid_argument(fmt::format("agora::sim: node {} exists", id));
  cluster::node_config c = impl_->config.node_defaults;
  c.id = id;
  c.role = cluster::node_role::member;
  c.listen = address_of(id);
  c.seeds.clear();
  for (auto& [other, s] : impl_->nodes)
    if (s.config.role == cluster::node_role::member) c.seeds.push_back(address_of(other));
  c.secret = impl_->secret;
  if (tweak) tweak(c);
  add(id, std::move(c), std::move(setup));
}

void simulation::add_client(std::uint64_t id, std::uint64_t seed, node_setup setup,
                            std::function<void(cluster::node_config&)> tweak) {
  if (impl_->nodes.contains(id)) throw std::invalid_argument(fmt::format("agora::sim: node {} exists", id));
  cluster::node_config c = impl_->config.node_defaults;
  c.id = id;
  c.role = cluster::node_role::client;
  c.listen.clear();
  c.advertise.clear();
  c.seeds = {address_of(seed)};
  c.secret = impl_->secret;
  if (tweak) tweak(c);
  add(id, std::move(c), std::move(setup));
}

void simulation::add(std::uint64_t id, cluster::node_config c, node_setup setup) {
  if (auto problems = cluster::validate(c); !problems.empty()) {
    std::string text = fmt::format("agora::sim: node {}: invalid configuration:", id);
    for (auto& p : problems) text += "\n  " + p;
    throw std::invalid_argument(text);
  }
  auto& s = impl_->nodes[id];
  s.config = std::move(c);
  s.setup = std::move(setup);
  impl_->apply([this, id] { impl_->boot(id, impl_->at(id)); });
}

std::vector<std::uint64_t> simulation::node_ids() const {
  std::vector<std::uint64_t> ids;
  for (auto& [id, s] : impl_->nodes) ids.push_back(id);
  return ids;
}

node_state simulation::state(std::uint64_t id) const { return impl_->at(id).state; }
std::uint64_t simulation::incarnation(std::uint64_t id) const { return impl_->at(id).incarnation; }

agora::vm& simulation::ground(std::uint64_t id) {
  auto& s = impl_->at(id);
  if (!s.h) throw std::logic_error(fmt::format("agora::sim: node {} is not running", id));
  return s.h->ground();
}

cluster::cluster_status simulation::status(std::uint64_t id) const {
  auto& s = impl_->at(id);
  return s.h ? s.h->core().status() : cluster::cluster_status{};
}

clock::time_point simulation::now() const noexcept { return impl_->kernel.now(); }
clock::time_point simulation::start_time() const noexcept { return impl_->kernel.start(); }

void simulation::run_for(clock::duration d) { run_until(now() + d); }

void simulation::run_until(clock::time_point t) {
  if (impl_->running) throw std::logic_error("agora::sim: run_* called from inside a run");
  impl_->running = true;
  try {
    impl_->kernel.run_until(t);
  } catch (...) {
    impl_->running = false;
    throw;
  }
  impl_->running = false;
}

bool simulation::run_until(const std::function<bool()>& done, clock::duration limit) {
  if (impl_->running) throw std::logic_error("agora::sim: run_* called from inside a run");
  if (done()) return true;
  impl_->running = true;
  bool stopped = false;
  try {
    stopped = impl_->kernel.run_until(now() + limit, done);
  } catch (...) {
    impl_->running = false;
    throw;
  }
  impl_->running = false;
  return stopped || done();
}

void simulation::at(clock::time_point t, std::function<void()> f) {
  impl_->kernel.at(std::max(t, now()), std::move(f));
}

void simulation::crash(std::uint64_t id) {
  impl_->apply([this, id] {
    auto& s = impl_->at(id);
    if (s.state == node_state::crashed) return;
    impl_->fault(fmt::format("fault: n{} crashes (kill -9)", id));
    impl_->kill(s);
    s.state = node_state::crashed;
  });
}

void simulation::restart(std::uint64_t id) {
  impl_->apply([this, id] {
    auto& s = impl_->at(id);
    if (s.state != node_state::crashed && s.state != node_state::stopped) {
      impl_->fault(fmt::format("fault: n{} crashes (kill -9) to restart", id));
      impl_->kill(s);
    }
    impl_->fault(fmt::format("fault: n{} restarts", id));
    impl_->boot(id, s);
  });
}

void simulation::stop(std::uint64_t id) {
  impl_->apply([this, id] {
    auto& s = impl_->at(id);
    if (s.state != node_state::up) return;
    impl_->fault(fmt::format("fault: n{} stops (SIGTERM)", id));
    s.h->leave();
    impl_->kernel.withdraw(*s.h);
    s.h.reset();
    s.state = node_state::stopped;
  });
}

void simulation::pause(std::uint64_t id) {
  impl_->apply([this, id] {
    auto& s = impl_->at(id);
    if (s.state != node_state::up) return;
    impl_->fault(fmt::format("fault: n{} paused (SIGSTOP)", id));
    s.state = node_state::paused;
    s.h->set_paused(true);
  });
}

void simulation::resume(std::uint64_t id) {
  impl_->apply([this, id] {
    auto& s = impl_->at(id);
    if (s.state != node_state::paused) return;
    impl_->fault(fmt::format("fault: n{} resumed (SIGCONT)", id));
    s.state = node_state::up;
    s.h->set_paused(false);
    // Everything that waited is taken at once, in the order it came; then
    // the network moves what stalled on its receive buffers.
    const node_ref ref = s.h->self();
    impl_->kernel.at(impl_->kernel.now(), [this, ref] {
      host* h = impl_->kernel.live(ref);
      if (!h) return;
      for (auto& f : h->take_held()) impl_->kernel.run_for_node(ref, std::move(f));
      impl_->net.resumed(ref.id);
    });
  });
}

void simulation::set_link(std::uint64_t from, std::uint64_t to, std::chrono::microseconds latency,
                          std::chrono::microseconds jitter) {
  impl_->apply([this, from, to, latency, jitter] {
    impl_->fault(fmt::format("sim: n{} -> n{} latency {} us, jitter {} us", from, to,
                             latency.count(), jitter.count()));
    impl_->net.set_link(from, to, latency, jitter);
  });
}

void simulation::cut(std::uint64_t from, std::uint64_t to) {
  impl_->apply([this, from, to] {
    impl_->fault(fmt::format("fault: n{} -> n{} cut", from, to));
    impl_->net.cut(from, to);
  });
}

void simulation::restore(std::uint64_t from, std::uint64_t to) {
  impl_->apply([this, from, to] {
    impl_->fault(fmt::format("fault: n{} -> n{} restored", from, to));
    impl_->net.restore(from, to);
  });
}

void simulation::partition(const std::vector<std::vector<std::uint64_t>>& groups) {
  impl_->apply([this, groups] {
    std::map<std::uint64_t, std::size_t> group_of;
    std::string text = "fault: partition";
    for (std::size_t g = 0; g < groups.size(); ++g) {
      text += g ? " |" : "";
      for (auto id : groups[g]) {
        group_of[id] = g + 1;
        text += fmt::format(" n{}", id);
      }
    }
    impl_->fault(text);
    impl_->net.restore_all();
    for (auto& [a, sa] : impl_->nodes)
      for (auto& [b, sb] : impl_->nodes) {
        if (a == b) continue;
        auto ga = group_of.find(a), gb = group_of.find(b);
        if (ga == group_of.end() || gb == group_of.end() || ga->second != gb->second)
          impl_->net.cut(a, b);
      }
  });
}

void simulation::heal() {
  impl_->apply([this] {
    impl_->fault("fault: heal");
    impl_->net.restore_all();
  });
}

void simulation::set_late(std::uint64_t id, clock::duration extra) {
  impl_->apply([this, id, extra] {
    auto& s = impl_->at(id);
    impl_->fault(fmt::format("fault: n{} late by {} us", id,
                             std::chrono::duration_cast<std::chrono::microseconds>(extra).count()));
    s.late = extra;
    if (s.h) s.h->set_late(extra);
  });
}

std::uint64_t simulation::seed() const noexcept { return impl_->config.seed; }
std::mt19937_64& simulation::random() noexcept { return impl_->user_random; }
std::uint64_t simulation::events() const noexcept { return impl_->kernel.events(); }
std::string simulation::trace_hash() const { return impl_->kernel.trace().hex(); }

void simulation::note(std::string_view line) {
  impl_->kernel.trace().hashed_line(impl_->kernel.now() - impl_->kernel.start(), line);
}

}  // namespace agora::sim
