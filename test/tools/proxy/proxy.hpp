// The fault-injecting TCP proxy: accepts on one address and forwards every
// connection to a target, with faults per direction changed at run time by
// control lines (command.hpp). Single-threaded: everything runs on the
// io_context given.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "command.hpp"
#include "faults.hpp"

namespace agora_tools {

class connection;

class fault_proxy {
 public:
  using tcp = boost::asio::ip::tcp;

  /// Listens on `listen` (port 0: any); throws if it cannot.
  fault_proxy(boost::asio::io_context& io, const tcp::endpoint& listen, tcp::endpoint target);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  /// Where it listens (the port bound).
  tcp::endpoint local_endpoint() const { return listen_; }

  /// Runs one control line; the reply line ("ok ..." or "error ...").
  std::string execute(std::string_view line);

 private:
  void open_acceptor();
  void accept();
  void cut();
  std::string heal(const command& c);
  std::string stats() const;
  template <class F>
  void each_connection(F f);

  tcp::acceptor acceptor_;
  tcp::endpoint listen_;
  tcp::endpoint target_;
  fault_state state_;
  std::map<std::uint64_t, std::shared_ptr<connection>> live_;
  std::uint64_t accepted_ = 0;
};

}  // namespace agora_tools
