#include "echo_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace agora_bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using bench_clock = std::chrono::steady_clock;

std::vector<std::unique_ptr<tcp::socket>> connect_all(asio::io_context& io, const echo_load& load) {
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), load.port);
  for (std::size_t i = 0; i < load.connections; ++i) {
    auto s = std::make_unique<tcp::socket>(io);
    s->connect(server);
    s->set_option(tcp::no_delay(true));
    sockets.push_back(std::move(s));
  }
  return sockets;
}

/// One connection's ping-pong: write a message, read it back, again, until
/// the deadline.
struct pinger : std::enable_shared_from_this<pinger> {
  pinger(tcp::socket& s, std::size_t bytes, bench_clock::time_point until, std::uint64_t& count)
      : socket(s), out(bytes, 'x'), in(bytes), deadline(until), done(count) {}

  void start() {
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("echo bench: write failed: " + ec.message());
      asio::async_read(self->socket, asio::buffer(self->in),
                       [self](boost::system::error_code ec, std::size_t) {
                         if (ec) throw std::runtime_error("echo bench: read failed: " + ec.message());
                         ++self->done;
                         if (bench_clock::now() < self->deadline) self->start();
                       });
    });
  }

  tcp::socket& socket;
  std::string out;
  std::vector<char> in;
  bench_clock::time_point deadline;
  std::uint64_t& done;
};

/// One connection streaming: writes chunks back to back while reading the
/// echo, until the deadline; then stops writing and reads what is still due.
/// At most `window` bytes are written ahead of the echo, so that the figure
/// is the echo's throughput, not how much the server and the kernel can
/// buffer (and both servers are driven the same way).
struct streamer : std::enable_shared_from_this<streamer> {
  streamer(tcp::socket& s, std::size_t chunk, std::size_t ahead, bench_clock::time_point until,
           std::uint64_t& bytes)
      : socket(s), out(chunk, 'y'), in(65536), window(ahead), deadline(until), received(bytes) {}

  void start() { write_more(); }
  // A read is pending exactly while echoed bytes are due (got < sent), so
  // once the deadline stops the writes, the last echo ends the run.
  void write_more() {
    if (writing || bench_clock::now() >= deadline || sent - got >= window) return;
    writing = true;
    sent += out.size();  // counted when started: the reader waits for all of it
    if (!reading) read_more();
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("echo bench: write failed: " + ec.message());
      self->writing = false;
      self->write_more();
    });
  }
  void read_more() {
    reading = true;
    auto self = shared_from_this();
    socket.async_read_some(asio::buffer(in), [self](boost::system::error_code ec, std::size_t n) {
      if (ec) throw std::runtime_error("echo bench: read failed: " + ec.message());
      self->reading = false;
      self->got += n;
      if (bench_clock::now() < self->deadline) self->received += n;
      self->write_more();  // the window may have opened (and may start the next read)
      if (!self->reading && self->got < self->sent) self->read_more();
    });
  }

  tcp::socket& socket;
  std::string out;
  std::vector<char> in;
  std::uint64_t window;
  bench_clock::time_point deadline;
  std::uint64_t& received;
  std::uint64_t sent = 0, got = 0;
  bool writing = false, reading = false;
};

}  // namespace

double echo_round_trips(const echo_load& load) {
  asio::io_context io;
  auto sockets = connect_all(io, load);
  std::uint64_t done = 0;
  const auto start = bench_clock::now();
  const auto until = start + load.duration;
  for (auto& s : sockets) std::make_shared<pinger>(*s, load.message_bytes, until, done)->start();
  io.run();
  const double seconds = std::chrono::duration<double>(bench_clock::now() - start).count();
  return static_cast<double>(done) / seconds;
}

double echo_bytes(const echo_load& load) {
  asio::io_context io;
  auto sockets = connect_all(io, load);
  std::uint64_t received = 0;
  const auto start = bench_clock::now();
  const auto until = start + load.duration;
  for (auto& s : sockets) std::make_shared<streamer>(*s, load.chunk_bytes, load.window_bytes, until, received)->start();
  io.run();
  return static_cast<double>(received) /
         std::chrono::duration<double>(load.duration).count();
}

}  // namespace agora_bench
