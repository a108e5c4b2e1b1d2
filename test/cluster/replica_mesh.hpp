// N replicas, each under its own agora::vm, linked in memory: what each
// replica hands its output for a peer is queued and applied by that peer
// in order, with acks for declares, as the node core does over a link.
// Deterministic: run() delivers until every VM and every link is quiet.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <memory>
#include <variant>
#include <vector>

#include "agora/vm.hpp"
#include "replica.hpp"

namespace agora::cluster::testing {

struct wire_op {
  enum class kind { declare, withdraw, message, feedback, ack } kind;
  endpoint_decl decl{};
  std::uint64_t handle = 0;
  term body{};
  std::uint64_t n = 0;
};

class replica_mesh {
 public:
  struct node;

  /// Forwards a replica's traffic into the mesh's link queues.
  struct output final : replica_output {
    replica_mesh* mesh = nullptr;
    std::size_t from = 0;
    void declare_to(peer_key p, const endpoint_decl& d) override {
      mesh->push(from, p, {.kind = wire_op::kind::declare, .decl = d});
    }
    void withdraw_to(peer_key p, std::uint64_t h, const term& why) override {
      mesh->push(from, p, {.kind = wire_op::kind::withdraw, .handle = h, .body = why});
    }
    void message_to(peer_key p, const term& body, bool fb) override {
      ++mesh->crossings;
      mesh->push(from, p,
                 {.kind = fb ? wire_op::kind::feedback : wire_op::kind::message, .body = body});
    }
  };

  struct node {
    output out;
    std::shared_ptr<replica> level;
    std::unique_ptr<agora::vm> machine;
    std::map<std::size_t, std::uint64_t> declares_in;  // per peer, for acks
  };

  explicit replica_mesh(std::size_t n) {
    nodes_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& nd = nodes_[i];
      nd = std::make_unique<node>();
      nd->out.mesh = this;
      nd->out.from = i;
      nd->level = std::make_shared<replica>(nd->out);
      nd->machine = std::make_unique<agora::vm>("node" + std::to_string(i + 1), nd->level);
    }
  }

  agora::vm& vm(std::size_t i) { return *nodes_[i]->machine; }
  replica& level(std::size_t i) { return *nodes_[i]->level; }

  /// Peer keys are node index + 1 (0 means local in a replica).
  static peer_key key(std::size_t i) { return static_cast<peer_key>(i + 1); }

  void link(std::size_t a, std::size_t b) {
    up_.insert({a, b});
    up_.insert({b, a});
    nodes_[a]->level->peer_up(key(b));
    nodes_[b]->level->peer_up(key(a));
    nodes_[a]->level->deliver_events();
    nodes_[b]->level->deliver_events();
  }
  /// The link breaks: both sides see the other lost; queued traffic is gone.
  void cut(std::size_t a, std::size_t b, const term& why_a_sees, const term& why_b_sees) {
    up_.erase({a, b});
    up_.erase({b, a});
    queues_.erase({a, b});
    queues_.erase({b, a});
    nodes_[a]->declares_in.erase(b);
    nodes_[b]->declares_in.erase(a);
    nodes_[a]->level->peer_down(key(b), why_a_sees);
    nodes_[b]->level->peer_down(key(a), why_b_sees);
    nodes_[a]->level->deliver_events();
    nodes_[b]->level->deliver_events();
  }

  void run() {
    for (;;) {
      bool any = false;
      for (auto& n : nodes_) any |= n->machine->run() > 0;
      any |= deliver();
      if (!any) return;
    }
  }

  std::uint64_t crossings = 0;  // messages handed to a link

 private:
  void push(std::size_t from, peer_key p, wire_op op) {
    const std::size_t to = p - 1;
    if (up_.contains({from, to})) queues_[{from, to}].push_back(std::move(op));
  }

  bool deliver() {
    bool any = false;
    // Map order: deterministic.
    for (auto it = queues_.begin(); it != queues_.end(); ++it) {
      auto [from, to] = it->first;
      auto& q = it->second;
      std::uint64_t declares = 0;
      while (!q.empty() && up_.contains({from, to})) {
        auto op = std::move(q.front());
        q.pop_front();
        any = true;
        auto& r = *nodes_[to]->level;
        switch (op.kind) {
          case wire_op::kind::declare:
            r.peer_declare(key(from), op.decl);
            ++declares;
            break;
          case wire_op::kind::withdraw: r.peer_withdraw(key(from), op.handle, op.body); break;
          case wire_op::kind::message: r.peer_message(key(from), op.body, false); break;
          case wire_op::kind::feedback: r.peer_message(key(from), op.body, true); break;
          case wire_op::kind::ack: nodes_[to]->level->peer_ack(key(from), op.n); break;
        }
      }
      nodes_[to]->level->deliver_events();
      if (declares > 0) {
        auto& seen = nodes_[to]->declares_in[from];
        seen += declares;
        queues_[{to, from}].push_back({.kind = wire_op::kind::ack, .n = seen});
      }
    }
    return any;
  }

  std::vector<std::unique_ptr<node>> nodes_;
  std::set<std::pair<std::size_t, std::size_t>> up_;
  std::map<std::pair<std::size_t, std::size_t>, std::deque<wire_op>> queues_;
};

}  // namespace agora::cluster::testing
