// agora-chat as a real process, driven over 127.0.0.1 by plain socket
// clients (process_util.hpp): arrivals, messages to everyone (the sender
// too), departures on close, half-close and reset, a line over the limit, a
// client that never names itself, a client that never reads, SIGTERM.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "process_util.hpp"

using namespace agora_test;

namespace {

server_process chat_server() { return {AGORA_CHAT_BIN, {}}; }

/// Connects and sends the name (the first line).
client join(const server_process& server, const std::string& name, int rcvbuf = 0) {
  client c(server.port(), rcvbuf);
  c.send_line(name);
  return c;
}

/// Reads lines until every one of `expected` has come, in any order; ""
/// if so, else what went wrong (a line not expected, or a timeout).
std::string hears_all(client& c, std::multiset<std::string> expected) {
  while (!expected.empty()) {
    auto l = c.line();
    if (!l) return "timed out (or closed) waiting for " + *expected.begin();
    auto it = expected.find(*l);
    if (it == expected.end()) return "unexpected line: " + *l;
    expected.erase(it);
  }
  return "";
}

}  // namespace

TEST_CASE("chat: two clients: arrival, talk (the sender hears itself), departure") {
  auto server = chat_server();
  client alice = join(server, "alice");
  client bob = join(server, "bob");
  CHECK(alice.line() == "* bob arrived");
  CHECK(bob.line() == "* alice arrived");

  alice.send_line("hello bob");
  CHECK(bob.line() == "alice: hello bob");
  CHECK(alice.line() == "alice: hello bob");
  bob.send_line("hi alice");
  CHECK(alice.line() == "bob: hi alice");
  CHECK(bob.line() == "bob: hi alice");

  SUBCASE("close") { bob.close(); }
  SUBCASE("half-close (end of stream, still reading)") { bob.shutdown_write(); }
  SUBCASE("reset (SO_LINGER 0)") { bob.reset(); }
  CHECK(alice.line() == "* bob departed");

  // The room goes on.
  client carol = join(server, "carol");
  CHECK(alice.line() == "* carol arrived");
  CHECK(carol.line() == "* alice arrived");
  carol.send_line("anyone?");
  CHECK(alice.line() == "carol: anyone?");
  CHECK(carol.line() == "carol: anyone?");
}

TEST_CASE("chat: 20 clients see every arrival, every message and every departure") {
  auto server = chat_server();
  constexpr int n = 20;
  auto name = [](int i) { return "user" + std::to_string(i); };
  std::vector<client> users;
  for (int i = 0; i < n; ++i) users.push_back(join(server, name(i)));  // all at once

  // Everyone hears of the 19 others, whether they came before or after.
  for (int i = 0; i < n; ++i) {
    std::multiset<std::string> arrivals;
    for (int j = 0; j < n; ++j)
      if (j != i) arrivals.insert("* " + name(j) + " arrived");
    CAPTURE(i);
    CHECK(hears_all(users[i], arrivals) == "");
  }

  // Everyone speaks; everyone hears all 20, the sender included.
  std::multiset<std::string> said;
  for (int i = 0; i < n; ++i) {
    users[i].send_line("hello from " + name(i));
    said.insert(name(i) + ": hello from " + name(i));
  }
  for (int i = 0; i < n; ++i) {
    CAPTURE(i);
    CHECK(hears_all(users[i], said) == "");
  }

  // Half leave: 5 close, 5 reset. The other 10 hear all 10 departures.
  std::multiset<std::string> departures;
  for (int i = 0; i < n / 2; ++i) {
    if (i % 2 == 0) users[i].close();
    else users[i].reset();
    departures.insert("* " + name(i) + " departed");
  }
  for (int i = n / 2; i < n; ++i) {
    CAPTURE(i);
    CHECK(hears_all(users[i], departures) == "");
  }
  users.back().send_line("bye");
  for (int i = n / 2; i < n; ++i) CHECK(users[i].line() == name(n - 1) + ": bye");
}

TEST_CASE("chat: a line over 4096 bytes drops only its sender") {
  auto server = chat_server();
  client alice = join(server, "alice");
  client bob = join(server, "bob");
  CHECK(alice.line() == "* bob arrived");
  CHECK(bob.line() == "* alice arrived");

  // 4096 bytes is still a line.
  const std::string longest(4096, 'a');
  alice.send_line(longest);
  CHECK(bob.line() == "alice: " + longest);
  CHECK(alice.line() == "alice: " + longest);

  client big = join(server, "big");
  CHECK(alice.line() == "* big arrived");
  CHECK(bob.line() == "* big arrived");
  CHECK(hears_all(big, {"* alice arrived", "* bob arrived"}) == "");
  CHECK(big.send(std::string(5000, 'x') + "\n") != client::outcome::stalled);
  CHECK(big.wait_closed());
  CHECK(alice.line() == "* big departed");
  CHECK(bob.line() == "* big departed");

  bob.send_line("still here");
  CHECK(alice.line() == "bob: still here");
  CHECK(bob.line() == "bob: still here");
}

TEST_CASE("chat: a client that never sends its name never appears") {
  auto server = chat_server();
  client anon(server.port());
  client alice = join(server, "alice");
  client bob = join(server, "bob");
  CHECK(alice.line() == "* bob arrived");
  CHECK(bob.line() == "* alice arrived");
  alice.send_line("hi");
  CHECK(alice.line() == "alice: hi");
  CHECK(bob.line() == "alice: hi");
  CHECK_FALSE(anon.has_input());  // not in the room: hears nothing

  // An empty line is no name either; then it leaves, unseen.
  anon.send_line("");
  anon.close();
  client carol = join(server, "carol");
  carol.send_line("sync");
  for (client* c : {&alice, &bob}) {
    CHECK(c->line() == "* carol arrived");
    CHECK(c->line() == "carol: sync");
  }
  CHECK(hears_all(carol, {"* alice arrived", "* bob arrived", "carol: sync"}) == "");
}

TEST_CASE("chat: a client that never reads does not stall the others, and is dropped") {
  auto server = chat_server();
  client watcher = join(server, "watcher");
  client chatty = join(server, "chatty");
  CHECK(watcher.line() == "* chatty arrived");
  CHECK(chatty.line() == "* watcher arrived");
  // A small receive window that does not grow, and it never reads.
  client lazy = join(server, "lazy", 16 << 10);
  CHECK(watcher.line() == "* lazy arrived");
  CHECK(chatty.line() == "* lazy arrived");

  // 12,000 lines of 1000 bytes: about 12 MB to each member — far more than
  // the lazy one's socket buffers and the driver's 1 MiB write limit.
  constexpr int lines = 12000;
  auto text = [](int k) { return std::to_string(k) + ":" + std::string(1000 - std::to_string(k).size() - 1, 'z'); };
  std::thread writer([&] {
    std::string batch;
    for (int k = 0; k < lines; ++k) {
      batch += text(k) + "\n";
      if (batch.size() >= (64 << 10) || k == lines - 1) {
        if (chatty.send(batch) != client::outcome::done) return;
        batch.clear();
      }
    }
  });
  // The readers read concurrently (chatty hears itself too). Each must get
  // every line, in order; the lazy one's departure may come in between.
  auto read_all = [&](client& c, std::string& error, bool& departed) {
    for (int k = 0; k < lines;) {
      auto l = c.line();
      if (!l) return void(error = "timed out at line " + std::to_string(k));
      if (*l == "* lazy departed") {
        departed = true;
        continue;
      }
      if (*l != "chatty: " + text(k)) return void(error = "line " + std::to_string(k) + " wrong: " + l->substr(0, 40));
      ++k;
    }
  };
  std::string watcher_error, chatty_error;
  bool watcher_saw = false, chatty_saw = false;
  std::thread chatty_reader([&] { read_all(chatty, chatty_error, chatty_saw); });
  read_all(watcher, watcher_error, watcher_saw);
  chatty_reader.join();
  writer.join();
  CHECK(watcher_error == "");
  CHECK(chatty_error == "");

  // The lazy one went (too slow), and everyone else saw it go.
  if (!watcher_saw) CHECK(watcher.line() == "* lazy departed");
  if (!chatty_saw) CHECK(chatty.line() == "* lazy departed");
  CHECK(lazy.wait_closed());
}

TEST_CASE("chat: SIGTERM ends every session and exits 0") {
  auto server = chat_server();
  client alice = join(server, "alice");
  client bob = join(server, "bob");
  client anon(server.port());
  CHECK(alice.line() == "* bob arrived");
  CHECK(bob.line() == "* alice arrived");
  server.signal(SIGTERM);
  for (client* c : {&alice, &bob, &anon}) {
    CHECK(c->wait_closed());
    c->close();
  }
  CHECK(server.wait_exit(10s) == 0);
}
