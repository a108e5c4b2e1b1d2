// agora::cluster::tcp_transport — the cluster transport over TCP (Boost.Asio),
// optionally TLS 1.3 with mutual certificate verification.
//
// Everything runs on one io_context run by ONE thread (the ground's I/O
// thread): every call must be made there, every event is delivered there,
// and nothing takes a lock. The framing is the one transport.hpp describes,
// with or without TLS.
//
// Connections set TCP_NODELAY. A read delivers every whole frame it
// completed, as spans into the read buffer; a frame whose announced length
// passes the connection's max_frame ends it before anything is allocated for
// it. Frames sent in one handler's run (and whatever is queued while a write
// is in flight) go out together in one gathered write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agora/cluster/transport.hpp"

namespace boost::asio {
class io_context;
}

namespace agora::cluster {

namespace detail {
struct transport_state;
}

/// PEM files for TLS 1.3. Each side presents its certificate and accepts a
/// peer only if the peer's certificate chains to one in `ca_file` (host
/// names are not checked: a certificate from the cluster's CA is the
/// credential).
struct tls_files {
  std::string certificate_file = {};  // this node's certificate (chain)
  std::string private_key_file = {};
  std::string ca_file = {};  // the certificates peers' certificates must chain to
};

struct tcp_transport_options {
  /// Bounds connect() from dialing to on_connected (resolving, TCP and TLS
  /// handshake), and the TLS handshake of an accepted connection.
  std::chrono::milliseconds connect_timeout{2000};
  /// Bounds close(c, true) and stop(): what is still queued then is dropped.
  std::chrono::milliseconds drain_timeout{2000};
  /// IP address literals peers may connect from; empty: anyone. Others are
  /// closed at once and logged (rate limited), never reported.
  std::vector<std::string> allow = {};
  /// Where log lines go; empty: nowhere. Not called after the destructor.
  std::function<void(std::string_view)> log = {};
  /// TLS 1.3 on every connection; nullopt: plain TCP.
  std::optional<tls_files> tls = {};
};

/// Figures of one connection. Bytes are frame bytes (prefixes included,
/// before TLS encryption).
struct tcp_conn_stats {
  std::uint64_t frames_in = 0;   // delivered by on_frame
  std::uint64_t bytes_in = 0;    // read
  std::uint64_t frames_out = 0;  // written
  std::uint64_t bytes_out = 0;   // written
  std::uint64_t writes = 0;      // gathered writes completed (each of one or more frames)
};

class tcp_transport final : public transport {
 public:
  /// Throws std::invalid_argument for an allow entry that is not an IP
  /// address literal, std::runtime_error naming the file when a TLS file
  /// cannot be used.
  tcp_transport(boost::asio::io_context& io, tcp_transport_options options);
  /// stop(), and nothing more is logged. Draining connections finish on the
  /// io_context afterwards (within the drain timeout).
  ~tcp_transport() override;
  tcp_transport(const tcp_transport&) = delete;
  tcp_transport& operator=(const tcp_transport&) = delete;

  void start(transport_events& events) override;
  /// "HOST:PORT" with HOST an IP address literal ("[v6]" in brackets; "::"
  /// takes IPv4 too).
  std::string listen(const std::string& address) override;
  /// "HOST:PORT"; HOST may be a name, resolved first.
  conn_id connect(const std::string& address) override;
  void send(conn_id c, std::vector<std::byte> wire) override;
  std::vector<std::byte> spare_buffer() override;
  std::size_t queued(conn_id c) const override;
  void set_limits(conn_id c, const conn_limits& limits) override;
  void close(conn_id c, bool flush) override;
  /// After stop(), listen() throws, connect() returns an id that nothing
  /// follows, and the other calls are ignored.
  void stop() override;

  /// The figures of a connection until on_closed is due; nullopt after.
  std::optional<tcp_conn_stats> stats(conn_id c) const;

 private:
  // Also held by the connections and listeners, whose handlers may run
  // after *this is gone (a drain goes on after stop()).
  std::shared_ptr<detail::transport_state> state_;
};

}  // namespace agora::cluster
