// agora-echo: echoes every byte back to the connection it came from, for any
// number of clients, until SIGINT/SIGTERM (exit 0).
//   agora-echo --port P [--host H] [--lines --prefix TEXT]
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <string>

#include "agora/drivers/tcp.hpp"
#include "agora/ground.hpp"
#include "agora/text.hpp"
#include "server_banner.hpp"

using namespace agora;

int main(int argc, char** argv) {
  std::string host = "0.0.0.0", prefix;
  std::uint16_t port = 0;
  bool lines = false;
  CLI::App cli{"agora-echo: a TCP echo server"};
  cli.add_option("--port", port, "TCP port to listen on (0: any free port)")->required();
  cli.add_option("--host", host, "local address to listen on")->capture_default_str();
  cli.add_flag("--lines", lines, "line mode: answer PREFIX + line for every line");
  cli.add_option("--prefix", prefix, "text put before every echoed line (with --lines)");
  CLI11_PARSE(cli, argc, argv);

  // ---- the server: one actor, one data subscription per connection ----
  // MAX × the credit window (16) stays within the driver's write limit (1 MiB),
  // so a client that sends faster than it reads is slowed down, not cut off.
  const term listen = tcp::listen_on(host, port, lines ? tcp::lines(32768) : tcp::raw(32768));
  auto echo = actor<>{{}, "echo"}.on_start([=](turn<>& t) {
    apps::announce(t, "agora-echo", listen);  // prints the port, or exits on bind failure
    tcp::on_accept(t, listen, [=](turn<>& t, const term& conn, const term&) {
      if (lines)
        tcp::on_data(t, conn, [=](turn<>& t, const term& conn, std::string_view line) {
          tcp::write(t, conn, prefix + std::string(line));
        });
      else  // the chunk's own term goes back out: no copy
        tcp::on_data(t, conn, [](turn<>& t, const term& conn, const term& chunk) {
          tcp::write(t, conn, chunk);
        });
    });
  });
  // ---- run it ----
  ground g;
  g.spawn(tcp::driver(g));
  return g.run(echo);
}
