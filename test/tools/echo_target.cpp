#include "echo_target.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <future>

namespace agora_test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct echo_target::session : std::enable_shared_from_this<session> {
  session(tcp::socket s, echo_target& owner) : socket(std::move(s)), owner(owner) {}

  void read() {
    socket.async_read_some(asio::buffer(buf), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                            std::size_t n) {
      if (ec == asio::error::eof) {  // answer the end of stream with ours
        ++self->owner.ended_;
        boost::system::error_code ignored;
        self->socket.shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      if (ec) {
        if (ec != asio::error::operation_aborted) ++self->owner.resets_;
        return;
      }
      self->owner.received_ += n;
      if (self->owner.mode_ == mode::sink) return self->read();
      asio::async_write(self->socket, asio::buffer(self->buf, n),
                        [self](const boost::system::error_code& ec, std::size_t) {
                          if (!ec) self->read();
                        });
    });
  }

  tcp::socket socket;
  echo_target& owner;
  std::array<char, 65536> buf;
};

echo_target::echo_target(mode m)
    : mode_(m), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

echo_target::~echo_target() {
  io_.stop();
  thread_.join();
}

std::uint16_t echo_target::port() const { return acceptor_.local_endpoint().port(); }

void echo_target::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec) return;
    ++accepted_;
    auto sess = std::make_shared<session>(std::move(s), *this);
    sessions_.push_back(sess);
    sess->read();
    accept();
  });
}

void echo_target::reset_all() {
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    for (auto& w : sessions_) {
      if (auto s = w.lock()) {
        boost::system::error_code ignored;
        s->socket.set_option(asio::socket_base::linger(true, 0), ignored);
        s->socket.close(ignored);
      }
    }
    sessions_.clear();
    done.set_value();
  });
  done.get_future().wait();
}

bool echo_target::wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace agora_test
