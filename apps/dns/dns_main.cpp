// agora-dns: a caching DNS proxy built as a nested actor tree (docs/DNS.md).
//   agora-dns --port P [--host H] --upstream HOST:PORT ... [--config FILE]
#include <fmt/format.h>

#include "agora/drivers/tcp.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/drivers/udp.hpp"
#include "agora/ground.hpp"
#include "dns_config.hpp"
#include "proxy/dns_tree.hpp"

using namespace agora;

int main(int argc, char** argv) {
  auto settings = std::make_shared<const dns::proxy_settings>(dns::parse_command_line(argc, argv));
  if (!settings->root_hints.empty()) {
    fmt::print(stderr, "agora-dns: iterative resolution (--root-hints) is not available yet; use --upstream\n");
    return 2;
  }
  // One thread: the levels talk without a thread hop (docs/DNS.md, "Performance").
  ground g({.threads = 1, .nested_on_io_thread = true});
  g.spawn(timer::driver(g));
  g.spawn(udp::driver(g, {.receive_buffer_bytes = settings->clients.receive_buffer_bytes}));
  g.spawn(tcp::driver(g, {.idle_timeout = settings->clients.tcp_idle}));
  return g.run(dns::dns_server(settings));
}
