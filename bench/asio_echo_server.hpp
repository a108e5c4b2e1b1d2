// The baseline of the echo benchmark: a plain Boost.Asio echo server (one
// io_context thread, read_some then write back, per connection), as anyone
// would write it without agora.
#pragma once

#include <cstdint>
#include <memory>

namespace agora_bench {

class asio_echo_server {
 public:
  /// Listens on 127.0.0.1 (an ephemeral port) and serves on its own thread,
  /// pinned to CPU `cpu` if that is not negative.
  explicit asio_echo_server(int cpu = -1);
  ~asio_echo_server();  // stops and joins
  std::uint16_t port() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agora_bench
