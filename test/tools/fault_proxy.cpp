// agora-fault-proxy: a fault-injecting TCP proxy for loopback tests (after
// etcd's functional-test proxy).
//
//   agora-fault-proxy --listen 127.0.0.1:PORT --to 127.0.0.1:PORT [--control 127.0.0.1:PORT]
//
// Forwards every connection accepted on --listen to --to. The first stdout
// line says where it listens: "listening 127.0.0.1:N[ control 127.0.0.1:M]"
// (port 0: any). Command lines on stdin (replies on stdout) and on the
// control port change the faults at run time, per direction (tx: client →
// target, rx: target → client, both):
//   delay tx|rx|both MS   bytes read from now on are held MS longer, order kept
//   pause tx|rx|both      hold bytes (reading on up to 4 MiB per connection)
//   blackhole tx|rx|both  drop bytes read; connections stay open
//   cut                   reset every connection; refuse new ones until heal
//   heal [tx|rx|both]     no faults (without a direction: also ends a cut);
//                         held bytes flow at once
//   stats                 connections, bytes forwarded/dropped/held per direction
// One reply line per command: "ok ..." or "error ...". Ends on SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "proxy/control.hpp"
#include "proxy/proxy.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// "127.0.0.1:PORT" as an endpoint; loopback only (this is a test tool).
tcp::endpoint loopback_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("'" + text + "' is not HOST:PORT");
  const auto address = asio::ip::make_address(text.substr(0, colon));
  if (!address.is_loopback()) throw std::invalid_argument("'" + text + "' is not a loopback address");
  const int port = std::stoi(text.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::invalid_argument("'" + text + "': bad port");
  return {address, static_cast<unsigned short>(port)};
}

std::string to_string(const tcp::endpoint& e) { return fmt::format("{}:{}", e.address().to_string(), e.port()); }

}  // namespace

int main(int argc, char** argv) {
  std::string listen_at, target_at, control_at;
  CLI::App app{"agora-fault-proxy: a TCP proxy that injects faults (delay, pause, blackhole, cut)"};
  app.add_option("--listen", listen_at, "where clients connect, 127.0.0.1:PORT (0: any port)")->required();
  app.add_option("--to", target_at, "the target, 127.0.0.1:PORT")->required();
  app.add_option("--control", control_at, "a control port for command lines, 127.0.0.1:PORT (0: any)");
  CLI11_PARSE(app, argc, argv);

  try {
    asio::io_context io;
    agora_tools::fault_proxy proxy(io, loopback_endpoint(listen_at), loopback_endpoint(target_at));
    const auto run = [&proxy](std::string_view line) { return proxy.execute(line); };
    std::optional<agora_tools::control_port> control;
    if (!control_at.empty()) control.emplace(io, loopback_endpoint(control_at), run);
    std::optional<agora_tools::control_stdin> commands;
    if (fcntl(STDIN_FILENO, F_GETFD) != -1) commands.emplace(io, run);

    asio::signal_set signals(io, SIGINT, SIGTERM);  // before the banner: a test may signal at once
    signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
    std::signal(SIGPIPE, SIG_IGN);

    std::string banner = "listening " + to_string(proxy.local_endpoint());
    if (control) banner += " control " + to_string(control->local_endpoint());
    fmt::print("{}\n", banner);
    std::fflush(stdout);
    io.run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "agora-fault-proxy: {}\n", e.what());
    return 1;
  }
  return 0;
}
