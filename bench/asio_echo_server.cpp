#include "asio_echo_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <thread>

#include "cpu_pin.hpp"

namespace agora_bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct session : std::enable_shared_from_this<session> {
  explicit session(tcp::socket s) : socket(std::move(s)) {}
  void read() {
    auto self = shared_from_this();
    socket.async_read_some(asio::buffer(buf), [self](boost::system::error_code ec, std::size_t n) {
      if (ec) return;  // eof, reset: the session ends
      asio::async_write(self->socket, asio::buffer(self->buf, n),
                        [self](boost::system::error_code ec, std::size_t) {
                          if (!ec) self->read();
                        });
    });
  }
  tcp::socket socket;
  std::array<char, 65536> buf;
};

}  // namespace

struct asio_echo_server::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      s.set_option(tcp::no_delay(true));
      std::make_shared<session>(std::move(s))->read();
      accept();
    });
  }
};

asio_echo_server::asio_echo_server(int cpu) : impl_(std::make_unique<impl>()) {
  impl_->accept();
  impl_->thread = std::thread([this, cpu] {
    if (cpu >= 0) pin_to_cpu(cpu);
    impl_->io.run();
  });
}

asio_echo_server::~asio_echo_server() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t asio_echo_server::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

}  // namespace agora_bench
