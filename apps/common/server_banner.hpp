// What the server programs share: say where they listen once the socket is
// bound ("NAME: listening on HOST:PORT", the line scripts and benchmarks
// wait for), or say why binding failed and exit with code 1.
#pragma once

#include <fmt/core.h>

#include <cstdio>
#include <string>

#include "agora/drivers/tcp.hpp"

namespace agora::apps {

template <class S>
void announce(turn<S>& t, std::string program, const term& listen) {
  const std::string host(listen[0].as_string());
  t.at_ground().subscribe(
      tcp::listener(listen),
      {.on_presence = [program, host](turn<S>& t, const presence& p) {
        if (auto port = tcp::listening_port(p["state"])) {
          fmt::print("{}: listening on {}:{}\n", program, host, *port);
          std::fflush(stdout);
        } else {
          fmt::print(stderr, "{}: cannot listen on {}: {}\n", program, host, p["state"].to_string());
          t.at_ground().send(rec("agora.exit", 1));
        }
      }});
}

}  // namespace agora::apps
