// A deterministic in-memory network for node cores: a virtual clock, an
// event queue ordered by (time, sequence), transports whose frames arrive
// after a fixed latency, and faults — a crashed node (its connections reset),
// a paused node (nothing delivered to it, no ticks, as SIGSTOP), a cut link,
// a node that stops reading (what is sent to it stays queued at the sender).
// Each node is a node_core under an agora::vm whose upper level it is.
#pragma once

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agora/vm.hpp"
#include "node_core.hpp"

namespace agora::cluster::testing {

using namespace std::chrono_literals;

class memory_net;

class memory_transport final : public transport {
 public:
  memory_transport(memory_net& net, std::size_t node) : net_(net), node_(node) {}
  void start(transport_events& e) override { events_ = &e; }
  std::string listen(const std::string& address) override;
  conn_id connect(const std::string& address) override;
  void send(conn_id c, std::vector<std::byte> wire) override;
  std::size_t queued(conn_id c) const override {
    auto it = conns_.find(c);
    return backlog + (it == conns_.end() ? 0 : it->second.queued);
  }
  void set_limits(conn_id c, const conn_limits& l) override { limits_[c] = l; }
  void close(conn_id c, bool flush) override;
  void stop() override;

  transport_events* events_ = nullptr;
  struct conn {
    std::size_t peer_node = 0;
    conn_id peer_conn = 0;
    bool open = true;
    std::size_t queued = 0;  // bytes its peer does not read (memory_net::stop_reading)
  };
  std::map<conn_id, conn> conns_;
  std::map<conn_id, conn_limits> limits_;
  std::string address_;
  bool stopped_ = false;
  std::size_t backlog = 0;  // what queued() reports, for every connection (tests set it)

 private:
  memory_net& net_;
  std::size_t node_;
};

class memory_net {
 public:
  using time = clock::time_point;

  struct node : node_env {
    memory_net* net = nullptr;
    std::size_t index = 0;
    std::unique_ptr<memory_transport> transport;
    std::unique_ptr<node_core> core;
    std::unique_ptr<agora::vm> machine;
    std::mt19937_64 random{1};
    std::vector<std::string> logs;
    bool crashed = false, paused = false;
    std::vector<bool> congestion;  // what on_congestion reported, in order
    void on_congestion(bool on) override { congestion.push_back(on); }
    bool reading = true;  // false: what is sent to it stays queued at the sender
    std::vector<std::function<void()>> held;  // events that came while paused

    clock::time_point now() override { return net->now_; }
    void random_bytes(std::span<std::byte> out) override {
      for (auto& b : out) b = std::byte(random() & 0xff);
    }
    void log(log_level level, std::string_view line) override {
      logs.push_back(std::string(to_string(level)) + ": " + std::string(line));
    }
  };

  explicit memory_net(std::vector<std::byte> secret = std::vector<std::byte>(32, std::byte{7}))
      : secret_(std::move(secret)) {}
  /// The nodes first: stopping them still schedules (their byes).
  ~memory_net() {
    for (auto& n : nodes_) n->machine.reset();
    nodes_.clear();
  }

  /// A node with id `id` listening on "mem:ID" and dialing `seeds`.
  /// `tweak` may adjust its configuration. Returns its index.
  std::size_t add(std::uint64_t id, std::vector<std::string> seeds = {},
                  std::function<void(node_config&)> tweak = {}) {
    auto n = std::make_unique<node>();
    n->net = this;
    n->index = nodes_.size();
    n->random.seed(id * 7919 + nodes_.size());
    node_config c;
    c.id = id;
    c.listen = "mem:" + std::to_string(id);
    c.seeds = std::move(seeds);
    c.secret = secret_;
    if (tweak) tweak(c);
    n->transport = std::make_unique<memory_transport>(*this, n->index);
    n->core = std::make_unique<node_core>(c, ++incarnations_, *n->transport, *n);
    // The vm must not own the core's ground side: the core does.
    std::shared_ptr<upper_level> upper(std::shared_ptr<void>(), &n->core->ground_side());
    n->machine = std::make_unique<agora::vm>("node" + std::to_string(id), upper);
    n->core->start();
    nodes_.push_back(std::move(n));
    schedule_tick(nodes_.size() - 1);
    return nodes_.size() - 1;
  }

  node& at(std::size_t i) { return *nodes_[i]; }
  agora::vm& vm(std::size_t i) { return *nodes_[i]->machine; }
  node_core& core(std::size_t i) { return *nodes_[i]->core; }
  time now() const { return now_; }

  /// Runs events (and the VMs between them) until virtual time `t`.
  void run_for(clock::duration d) { run_until(now_ + d); }
  void run_until(time t) {
    settle();
    while (!events_.empty() && events_.top().at <= t) {
      auto e = events_.top();
      events_.pop();
      now_ = e.at;
      e.run();
      settle();
    }
    now_ = std::max(now_, t);
  }

  /// kill -9: every connection of the node resets; it runs no more.
  void crash(std::size_t i) {
    auto& n = *nodes_[i];
    n.crashed = true;
    for (auto& [c, conn] : n.transport->conns_)
      if (conn.open) {
        conn.open = false;
        deliver_close(conn.peer_node, conn.peer_conn, sym("reset"));
      }
    n.transport->conns_.clear();
    n.transport->address_.clear();
  }
  /// SIGSTOP / SIGCONT.
  void pause(std::size_t i) { nodes_[i]->paused = true; }
  /// The node's timer fires first, then what waited for it, in order (as
  /// after SIGCONT, when the timer and the sockets are all ready at once).
  void resume(std::size_t i) {
    auto& n = *nodes_[i];
    n.paused = false;
    at_time(now_, [this, i] {
      auto& n = *nodes_[i];
      if (n.crashed || n.paused) return;
      n.core->tick();
      schedule_tick(i);
    });
    auto held = std::move(n.held);
    for (auto& f : held) at_time(now_, std::move(f));
  }
  /// The node reads nothing more from its connections (but still sends and
  /// ticks): whatever is sent to it from now on stays in the senders' send
  /// queues, and no write of theirs to it completes (no on_sent).
  void stop_reading(std::size_t i) { nodes_[i]->reading = false; }
  /// The connections between two nodes reset (both sides see it).
  void cut(std::size_t a, std::size_t b) {
    for (auto& [c, conn] : nodes_[a]->transport->conns_)
      if (conn.open && conn.peer_node == b) {
        conn.open = false;
        deliver_close(a, c, sym("reset"));
        deliver_close(b, conn.peer_conn, sym("reset"));
      }
  }

  clock::duration latency = 100us;

  /// Connections to `address` reach whoever listens on `target` (a proxy
  /// or a forwarded port in front of a node).
  void alias(std::string address, std::string target) { aliases_[std::move(address)] = std::move(target); }
  /// How many times any node dialed `address`.
  unsigned dials(const std::string& address) const {
    auto it = dials_.find(address);
    return it == dials_.end() ? 0 : it->second;
  }

  // ---- used by memory_transport ----
  void at_time(time t, std::function<void()> f) { events_.push({t, ++seq_, std::move(f)}); }
  /// Runs f for node i now, or when it resumes; never once it crashed.
  void for_node(std::size_t i, std::function<void()> f, clock::duration delay) {
    at_time(now_ + delay, [this, i, f = std::move(f)]() mutable {
      auto& n = *nodes_[i];
      if (n.crashed) return;
      if (n.paused) n.held.push_back(std::move(f));
      else f();
    });
  }
  void deliver_close(std::size_t i, conn_id c, term why) {
    for_node(i, [this, i, c, why] {
      auto& t = *nodes_[i]->transport;
      auto it = t.conns_.find(c);
      if (it == t.conns_.end()) return;
      t.conns_.erase(it);
      if (!t.stopped_) t.events_->on_closed(c, why);
    }, latency);
  }
  std::map<std::string, std::size_t> listeners_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, unsigned> dials_;
  conn_id next_conn_ = 1;

 private:
  friend class memory_transport;
  struct event {
    time at;
    std::uint64_t seq;
    std::function<void()> run;
    bool operator<(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void schedule_tick(std::size_t i) {
    auto period = nodes_[i]->core->tick_period();
    at_time(now_ + period, [this, i] {
      auto& n = *nodes_[i];
      if (n.crashed || n.paused) return;  // resume() reschedules
      n.core->tick();
      schedule_tick(i);
    });
  }

  void settle() {
    for (bool again = true; again;) {
      again = false;
      for (auto& n : nodes_)
        if (!n->crashed && !n->paused) again |= n->machine->run() > 0;
    }
  }

  std::vector<std::byte> secret_;
  std::vector<std::unique_ptr<node>> nodes_;
  std::priority_queue<event> events_;
  time now_{};
  std::uint64_t seq_ = 0;
  std::uint64_t incarnations_ = 1000;
};

inline std::string memory_transport::listen(const std::string& address) {
  address_ = address;
  net_.listeners_[address] = node_;
  return address;
}

inline conn_id memory_transport::connect(const std::string& dialed) {
  const conn_id mine = net_.next_conn_++;
  conns_[mine] = {0, 0, false};
  ++net_.dials_[dialed];
  const auto alias = net_.aliases_.find(dialed);
  const std::string& address = alias == net_.aliases_.end() ? dialed : alias->second;
  auto it = net_.listeners_.find(address);
  const std::size_t self = node_;
  if (it == net_.listeners_.end() || net_.at(it->second).crashed ||
      net_.at(it->second).transport->address_ != address) {
    net_.deliver_close(self, mine, sym("refused"));
    return mine;
  }
  const std::size_t peer = it->second;
  const conn_id theirs = net_.next_conn_++;
  conns_[mine] = {peer, theirs, true};
  net_.at(peer).transport->conns_[theirs] = {self, mine, true};
  net_.for_node(peer, [this, peer, theirs, self] {
    auto& t = *net_.at(peer).transport;
    if (t.conns_.contains(theirs) && !t.stopped_)
      t.events_->on_accepted(theirs, "mem-peer:" + std::to_string(self));
  }, net_.latency);
  net_.for_node(self, [this, self, mine] {
    auto& t = *net_.at(self).transport;
    if (t.conns_.contains(mine) && !t.stopped_) t.events_->on_connected(mine);
  }, 2 * net_.latency);
  return mine;
}

inline void memory_transport::send(conn_id c, std::vector<std::byte> wire) {
  auto it = conns_.find(c);
  if (it == conns_.end() || !it->second.open) return;
  const auto [peer, theirs, open, queued] = it->second;
  (void)open;
  (void)queued;
  if (!net_.at(peer).reading) {
    it->second.queued += wire.size();
    return;
  }
  net_.for_node(peer, [this, peer, theirs, wire = std::move(wire)] {
    auto& t = *net_.at(peer).transport;
    auto ct = t.conns_.find(theirs);
    if (ct == t.conns_.end() || t.stopped_) return;
    const std::size_t limit = t.limits_.contains(theirs) ? t.limits_[theirs].max_frame : 4096;
    if (wire.size() - 4 > limit) {
      t.close(theirs, false);
      return;
    }
    t.events_->on_frame(theirs, std::span<const std::byte>(wire).subspan(4));
  }, net_.latency);
}

inline void memory_transport::close(conn_id c, bool) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  if (it->second.open) net_.deliver_close(it->second.peer_node, it->second.peer_conn, sym("eof"));
  it->second.open = false;
  const std::size_t self = node_;
  net_.for_node(self, [this, c] {
    auto ct = conns_.find(c);
    if (ct == conns_.end()) return;
    conns_.erase(ct);
    if (!stopped_) events_->on_closed(c, sym("closed"));
  }, clock::duration::zero());
}

inline void memory_transport::stop() {
  for (auto& [c, conn] : conns_)
    if (conn.open) net_.deliver_close(conn.peer_node, conn.peer_conn, sym("eof"));
  stopped_ = true;
}

}  // namespace agora::cluster::testing
