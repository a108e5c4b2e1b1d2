// The simulated network under the cluster's transport seam. It models TCP
// as the cluster sees it: a connection carries frames in order after a
// latency with jitter, or breaks (eof, reset, refused, timeout); frames are
// never lost silently. Cut directions stall what crosses them until they
// are restored; a dead socket answers data with a reset; a paused node's
// kernel takes up to a receive buffer per connection, then its peers'
// frames wait at their end (their send queues grow, as they would).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agora/cluster/transport.hpp"
#include "kernel.hpp"

namespace agora::sim::detail {

struct network_params {
  std::chrono::microseconds latency{200}, jitter{300};
  std::chrono::milliseconds connect_timeout{1000};
  std::size_t receive_buffer = 1u << 20;
};

class sim_transport;

class network {
 public:
  network(kernel& k, network_params p) : kernel_(k), params_(p) {}

  /// Latency and jitter of frames from `from` to `to` (instead of the
  /// defaults).
  void set_link(std::uint64_t from, std::uint64_t to, std::chrono::microseconds latency,
                std::chrono::microseconds jitter);

  // ---- faults ----
  void cut(std::uint64_t from, std::uint64_t to);
  void restore(std::uint64_t from, std::uint64_t to);
  void restore_all();
  bool is_cut(std::uint64_t from, std::uint64_t to) const {
    return cuts_.contains({from, to});
  }
  /// A paused node resumed: what waited for its receive buffers moves on.
  void resumed(std::uint64_t id);
  /// The incarnation's sockets close as the kernel of a killed process
  /// closes them: what they had sent still goes out, then a FIN.
  void crashed(sim_transport& t);

  // ---- for sim_transport ----
  std::string listen(sim_transport& t, const std::string& address);
  cluster::conn_id connect(sim_transport& t, const std::string& address);
  void send(sim_transport& t, cluster::conn_id c, std::vector<std::byte> wire);
  std::size_t queued(const sim_transport& t, cluster::conn_id c) const;
  void close(sim_transport& t, cluster::conn_id c, bool flush, bool with_event);
  void unlisten(const sim_transport& t);

 private:
  enum class seg_kind : std::uint8_t { data, fin, rst };
  struct segment {
    seg_kind kind;
    std::vector<std::byte> wire;
    clock::time_point arrival;
  };
  struct end {
    node_ref node;
    cluster::conn_id conn = 0;
    bool open = false;  // its socket exists
  };
  /// A connection: ends[0] dialed, ends[1] accepted. flight[i] holds what
  /// ends[i] sent and the other end has not taken yet.
  struct connection {
    end ends[2];
    std::deque<segment> flight[2];
    std::size_t flight_bytes[2] = {0, 0};
    std::size_t held_bytes[2] = {0, 0};  // taken by a paused receiver, unread
    bool pumping[2] = {false, false};
    bool established = false;
    bool reset_sent[2] = {false, false};
  };
  using conn_key = std::uint64_t;

  struct link_timing {
    std::chrono::microseconds latency, jitter;
  };
  link_timing timing(std::uint64_t from, std::uint64_t to) const;
  /// When a segment sent from `from` to `to` at `earliest` arrives.
  clock::time_point arrival_after(clock::time_point earliest, std::uint64_t from, std::uint64_t to);
  void push(conn_key k, int from, segment s);
  void pump(conn_key k, int dir);
  void deliver(conn_key k, int dir);
  void take(conn_key k, int dir, segment s, bool held);
  void syn_arrives(conn_key k, std::string address, clock::time_point sent);
  void fail_dial(conn_key k, clock::time_point when, const char* why);
  /// The socket at ends[side] resets: what it had not sent is dropped, a
  /// reset goes to the other end (once).
  void reset_from(conn_key k, int side);
  void restore_all_directions();
  void forget_if_done(conn_key k);
  sim_transport* transport_of(node_ref n) const;
  connection* find(conn_key k);

  kernel& kernel_;
  network_params params_;
  std::map<conn_key, connection> conns_;
  conn_key next_key_ = 1;
  std::map<std::string, node_ref> listeners_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> cuts_;  // (from, to)
  std::map<std::pair<std::uint64_t, std::uint64_t>, link_timing> links_;  // (from, to)

  friend class sim_transport;
};

/// One incarnation's transport: its connections by id, mapped to the
/// network's connections.
class sim_transport final : public cluster::transport {
 public:
  sim_transport(network& net, node_ref self) : net_(net), self_(self) {}

  void start(cluster::transport_events& events) override { events_ = &events; }
  std::string listen(const std::string& address) override { return net_.listen(*this, address); }
  cluster::conn_id connect(const std::string& address) override {
    return net_.connect(*this, address);
  }
  void send(cluster::conn_id c, std::vector<std::byte> wire) override;
  std::size_t queued(cluster::conn_id c) const override { return net_.queued(*this, c); }
  void set_limits(cluster::conn_id c, const cluster::conn_limits& l) override {
    if (auto it = conns_.find(c); it != conns_.end()) it->second.max_frame = l.max_frame;
  }
  void close(cluster::conn_id c, bool flush) override { net_.close(*this, c, flush, true); }
  void stop() override;

  node_ref self() const noexcept { return self_; }
  /// Events go out only while started and not stopped.
  cluster::transport_events* events() const noexcept { return stopped_ ? nullptr : events_; }
  const std::string& address() const noexcept { return address_; }

 private:
  friend class network;
  struct conn {
    std::uint64_t key = 0;
    int side = 0;
    std::size_t max_frame = cluster::conn_limits{}.max_frame;
  };
  network& net_;
  node_ref self_;
  cluster::transport_events* events_ = nullptr;
  bool stopped_ = false;
  std::string address_;
  std::map<cluster::conn_id, conn> conns_;
  cluster::conn_id next_conn_ = 1;
};

}  // namespace agora::sim::detail
