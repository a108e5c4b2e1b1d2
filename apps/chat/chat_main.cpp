// agora-chat: a chat room for telnet/nc clients. The first line a client
// sends is its name; then everyone present sees "* NAME arrived", "NAME: text"
// and "* NAME departed". Each connection's session is a nested VM in the
// room's VM, and the room is pure presence: no member list is kept anywhere.
//   agora-chat --port P [--host H]
#include <CLI/CLI.hpp>

#include <string>

#include "agora/drivers/tcp.hpp"
#include "agora/ground.hpp"
#include "agora/text.hpp"
#include "server_banner.hpp"

using namespace agora;

namespace {

struct session {
  term conn;
  std::string name;  // empty until the first line
};

void say(turn<session>& t, std::string_view text) { tcp::write(t, t.state.conn, text); }

/// Joins the room (one VM up) as `name`: announce it, and relay what the
/// room says to this connection.
void join(turn<session>& t, std::string name) {
  t.state.name = std::move(name);
  auto room = t.meta();
  room.publish(rec("present", t.state.name));
  room.subscribe("present($who)"_t, {
      .on_presence = [](turn<session>& t, const presence& p) {
        if (p["who"].as_string() != t.state.name) say(t, fmt::format("* {} arrived", p["who"].as_string()));
      },
      .on_absence = [](turn<session>& t, const absence& a) {
        say(t, fmt::format("* {} departed", a["who"].as_string()));
      }});
  room.subscribe("says($who, $text)"_t, {.on_message = [](turn<session>& t, const message& m) {
    say(t, fmt::format("{}: {}", m["who"].as_string(), m["text"].as_string()));
  }});
}

actor<session> chat_session(term conn) {
  return actor<session>{{conn, {}}, "session"}.on_start([](turn<session>& t) {
    tcp::on_data(t, t.state.conn,
                 [](turn<session>& t, std::string_view line) {
                   if (t.state.name.empty()) {
                     if (!line.empty()) join(t, std::string(line));
                   } else {
                     t.meta().send(rec("says", t.state.name, std::string(line)));
                   }
                 },
                 // eof, reset, error: the session ends, and with it its presence.
                 [](turn<session>& t, const reason&) { t.quit(); });
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;
  CLI::App cli{"agora-chat: a chat room over TCP (telnet, nc)"};
  cli.add_option("--port", port, "TCP port to listen on (0: any free port)")->required();
  cli.add_option("--host", host, "local address to listen on")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  const term listen = tcp::listen_on(host, port, tcp::lines(4096));
  auto lobby = actor<>{{}, "lobby"}.on_start([=](turn<>& t) {
    apps::announce(t, "agora-chat", listen);
    tcp::on_accept(t, listen, [](turn<>& t, const term& conn, const term&) {
      t.spawn(nested_vm("session", {chat_session(conn)}));
    });
  });
  ground g;
  g.spawn(tcp::driver(g));
  return g.run(nested_vm("room", {lobby}));
}
