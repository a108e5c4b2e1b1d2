// The proxy's control channels: a TCP port that takes command lines from
// any number of connections, and standard input (replies on standard
// output). One reply line per command line.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace agora_tools {

/// Runs one command line, returns the reply line (without "\n").
using command_handler = std::function<std::string(std::string_view)>;

class control_port {
 public:
  using tcp = boost::asio::ip::tcp;
  /// Listens on `at` (port 0: any); throws if it cannot.
  control_port(boost::asio::io_context& io, const tcp::endpoint& at, command_handler run);
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();
  tcp::acceptor acceptor_;
  command_handler run_;
};

class control_stdin {
 public:
  control_stdin(boost::asio::io_context& io, command_handler run);

 private:
  void read();
  boost::asio::posix::stream_descriptor in_;
  boost::asio::streambuf buf_;
  command_handler run_;
};

}  // namespace agora_tools
