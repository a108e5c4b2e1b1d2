// agora-dns: a caching DNS proxy built as a nested actor tree (docs/DNS.md).
//   agora-dns --port P [--host H] --upstream HOST:PORT ... [--config FILE]
//   agora-dns --port P [--host H] --root-hints FILE [--config FILE]
#include <fmt/format.h>

#include "agora/drivers/tcp.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/drivers/udp.hpp"
#include "agora/ground.hpp"
#include "dns_config.hpp"
#include "proxy/dns_tree.hpp"
#include "resolve/root_hints.hpp"

using namespace agora;

int main(int argc, char** argv) {
  auto settings = std::make_shared<const dns::proxy_settings>(dns::parse_command_line(argc, argv));
  actor_spec server;
  if (settings->root_hints.empty()) {
    server = dns::forwarding_server(settings);
  } else {
    auto hints = dns::read_root_hints(settings->root_hints);
    if (!hints) {
      fmt::print(stderr, "agora-dns: {}: {}\n", settings->root_hints, hints.error().describe());
      return 2;
    }
    std::vector<dns::name_server> roots;
    for (auto& r : *hints) roots.push_back({std::move(r.host), std::move(r.addresses)});
    server = dns::iterative_server(settings, std::move(roots));
  }
  // One thread: the levels talk without a thread hop (docs/DNS.md,
  // "Structure"). No busy polling: between datagrams it would spin
  // (sched_yield, epoll_wait) for a reply that a DNS server does not wait
  // for — a quarter of the CPU per answer at a steady rate.
  ground g({.threads = 1, .nested_on_io_thread = true, .busy_poll = std::chrono::microseconds(0)});
  g.spawn(timer::driver(g));
  g.spawn(udp::driver(g, {.receive_buffer_bytes = settings->clients.receive_buffer_bytes}));
  g.spawn(tcp::driver(g, {.idle_timeout = settings->clients.tcp_idle}));
  return g.run(std::move(server));
}
