// A DNS server inside the test process, for the proxy to use as its
// upstream: a thread with its own UDP and TCP sockets on 127.0.0.1 (one
// port the kernel picks, the same for both), answering each query as the
// current mode says (hostile_replies.hpp); the mode can change at any
// time. It records every query it gets (transport, ID, source port, name
// as spelled, type), so that tests can count upstream queries per name and
// check RFC 5452 randomisation of IDs and ports, and 0x20.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "codec/name.hpp"
#include "codec/types.hpp"
#include "dns_client.hpp"
#include "hostile_replies.hpp"
#include "socket_fd.hpp"

namespace dns_process {

struct seen_query {
  transport via = transport::udp;
  std::uint16_t id = 0;
  std::uint16_t source_port = 0;
  agora::dns::name qname;  // as it came: case kept (0x20)
  agora::dns::rr_type qtype = agora::dns::rr_type::a;
};

class hostile_upstream {
 public:
  explicit hostile_upstream(answer_table table = default_table());
  hostile_upstream(const hostile_upstream&) = delete;
  hostile_upstream& operator=(const hostile_upstream&) = delete;
  /// Stops the thread and closes the sockets.
  ~hostile_upstream();

  std::uint16_t port() const noexcept { return port_; }
  /// "127.0.0.1:PORT", as --upstream takes it.
  std::string endpoint() const;

  /// From now on every reply is made in `mode` and sent `delay` after its
  /// query came (slow(ms) is set_mode(upstream_mode::slow, ms)). Replies
  /// already waiting keep the mode they were made in.
  void set_mode(upstream_mode mode, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  upstream_mode mode() const;

  /// Every decoded query so far, in the order they came.
  std::vector<seen_query> seen() const;
  std::size_t udp_queries() const;
  std::size_t tcp_queries() const;
  /// Queries for `qname` (any case, either transport).
  std::size_t queries_for(const agora::dns::name& qname) const;
  /// Datagrams and TCP messages that did not decode, or were responses
  /// (QR set): not answered, not in seen().
  std::size_t undecodable() const;
  /// Forgets the queries seen so far (not the mode).
  void forget();

 private:
  struct pending_reply;
  struct tcp_connection;
  void run();
  void on_udp();
  void on_accept();
  /// False when the connection is to be closed.
  bool on_tcp_readable(tcp_connection& c);
  void handle(const bytes& wire, transport via, std::uint16_t source_port, const sockaddr_in& from,
              std::uint64_t connection);
  void send_due();
  void send_reply(const pending_reply& p);

  socket_fd udp_, tcp_;
  socket_fd wake_read_, wake_write_;  // a pipe: the destructor wakes the thread
  std::uint16_t port_ = 0;
  answer_table table_;

  mutable std::mutex mutex_;  // guards what follows; the thread's own state is below
  upstream_mode mode_ = upstream_mode::honest;
  std::chrono::milliseconds delay_{0};
  std::vector<seen_query> seen_;
  std::size_t undecodable_ = 0;

  // The thread's own.
  std::vector<tcp_connection> connections_;
  std::vector<pending_reply> pending_;
  std::uint64_t next_connection_ = 1;
  std::thread thread_;  // last: started when the rest is ready
};

}  // namespace dns_process
