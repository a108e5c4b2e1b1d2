#include "control.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <istream>
#include <memory>

namespace agora_tools {

namespace asio = boost::asio;

namespace {

/// The next line in `buf` without its "\n" (read_until said there is one).
std::string take_line(asio::streambuf& buf) {
  std::istream in(&buf);
  std::string line;
  std::getline(in, line);
  return line;
}

/// One control connection: a line in, a reply line out, until it closes.
struct control_session : std::enable_shared_from_this<control_session> {
  control_session(asio::ip::tcp::socket s, command_handler run) : socket(std::move(s)), run(std::move(run)) {}

  void read() {
    asio::async_read_until(socket, buf, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             if (ec) return;  // closed: the session ends
                             self->reply = self->run(take_line(self->buf)) + "\n";
                             asio::async_write(self->socket, asio::buffer(self->reply),
                                               [self](const boost::system::error_code& ec, std::size_t) {
                                                 if (!ec) self->read();
                                               });
                           });
  }

  asio::ip::tcp::socket socket;
  command_handler run;
  asio::streambuf buf;
  std::string reply;
};

}  // namespace

control_port::control_port(asio::io_context& io, const tcp::endpoint& at, command_handler run)
    : acceptor_(io, at), run_(std::move(run)) {
  accept();
}

void control_port::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<control_session>(std::move(s), run_)->read();
    accept();
  });
}

control_stdin::control_stdin(asio::io_context& io, command_handler run)
    : in_(io, ::dup(STDIN_FILENO)), run_(std::move(run)) {
  read();
}

void control_stdin::read() {
  asio::async_read_until(in_, buf_, '\n', [this](const boost::system::error_code& ec, std::size_t) {
    if (ec) return;  // end of input: the control port still works
    fmt::print("{}\n", run_(take_line(buf_)));
    std::fflush(stdout);
    read();
  });
}

}  // namespace agora_tools
