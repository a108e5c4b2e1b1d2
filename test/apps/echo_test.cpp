// agora-echo as a real process, driven over 127.0.0.1 by plain socket
// clients (process_util.hpp): many clients at once, a large payload, line
// mode, abrupt disconnects, a client that never reads, SIGTERM/SIGINT.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "process_util.hpp"

using namespace agora_test;

namespace {

server_process echo_server(std::vector<std::string> args = {}) { return {AGORA_ECHO_BIN, std::move(args)}; }

/// `n` bytes that differ with `seed` (so that a mixup between clients or a
/// misplaced chunk shows).
std::string payload(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

/// Failures seen by worker threads, checked by the test's own thread.
struct failures {
  std::mutex m;
  std::vector<std::string> list;
  void add(std::string what) {
    std::lock_guard lock(m);
    list.push_back(std::move(what));
  }
};

}  // namespace

TEST_CASE("echo: 200 concurrent clients each get exactly their own bytes back") {
  auto server = echo_server();
  constexpr int clients = 200, threads = 8, rounds = 20;
  std::vector<client> conns;
  for (int i = 0; i < clients; ++i) conns.emplace_back(server.port());

  // Each thread drives 25 connections: every round, all of them send a
  // distinct message before any reads, so the server has all 200 busy.
  failures failed;
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      for (int r = 0; r < rounds; ++r) {
        std::vector<std::string> sent;
        for (int i = w; i < clients; i += threads) {
          sent.push_back("client " + std::to_string(i) + " round " + std::to_string(r) + ":" +
                         payload(500 + static_cast<std::size_t>(i * 37 % 3000), static_cast<std::uint32_t>(i * 1000 + r)));
          if (conns[static_cast<std::size_t>(i)].send(sent.back()) != client::outcome::done)
            return failed.add("client " + std::to_string(i) + ": send failed");
        }
        std::size_t k = 0;
        for (int i = w; i < clients; i += threads, ++k) {
          if (conns[static_cast<std::size_t>(i)].read_exact(sent[k].size()) != sent[k])
            return failed.add("client " + std::to_string(i) + " round " + std::to_string(r) +
                              ": wrong or missing echo");
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  CHECK(failed.list.empty());
  for (const auto& f : failed.list) MESSAGE(f);
  CHECK(server.running());
}

TEST_CASE("echo: an 8 MiB payload comes back intact while still being written") {
  auto server = echo_server();
  client c(server.port());
  const std::string data = payload(8 << 20, 42);
  // At most 256 KiB ahead of the echo: well under the driver's write limit.
  const std::string got = c.exchange(data, data.size());
  CHECK(got.size() == data.size());
  CHECK((got == data));
}

// The credit of tcp::on_data comes back as soon as a message is handled,
// not when its echo is written; the driver holds reading back while the
// connection's own writes pile up (docs/TCP.md), so a client that writes
// faster than it reads for a while (here: megabytes per send() call, reading
// all the while) is slowed down by TCP, not reset with too_slow.
TEST_CASE("echo: a client writing 8 MiB as fast as the kernel takes it gets it all back") {
  auto server = echo_server();
  const std::string data = payload(8 << 20, 43);
  for (int i = 0; i < 3; ++i) {
    client c(server.port());
    const std::string got = c.exchange(data, data.size(), 0);
    CHECK(got.size() == data.size());
    CHECK((got == data));
  }
}

TEST_CASE("echo: line mode puts the prefix before every line") {
  auto server = echo_server({"--lines", "--prefix", "You said: "});
  client c(server.port());

  c.send_line("hello");
  CHECK(c.line() == "You said: hello");

  SUBCASE("several lines in one write, a line in pieces, CRLF, an empty line") {
    CHECK(c.send("one\ntwo\nthree\n") == client::outcome::done);
    CHECK(c.line() == "You said: one");
    CHECK(c.line() == "You said: two");
    CHECK(c.line() == "You said: three");
    for (std::string_view piece : {"par", "tial li", "ne\n"}) {
      CHECK(c.send(piece) == client::outcome::done);
      std::this_thread::sleep_for(20ms);  // let each piece arrive on its own
    }
    CHECK(c.line() == "You said: partial line");
    c.send_line("crlf\r");
    CHECK(c.line() == "You said: crlf");
    c.send_line("");
    CHECK(c.line() == "You said: ");
  }

  SUBCASE("10 clients pipelining 1000 lines each get their own, in order") {
    constexpr int clients = 10, lines = 1000;
    failures failed;
    std::vector<std::thread> workers;
    for (int i = 0; i < clients; ++i) {
      workers.emplace_back([&, i] {
        client w(server.port());
        std::string batch;
        for (int n = 0; n < lines; ++n) batch += "c" + std::to_string(i) + " line " + std::to_string(n) + "\n";
        std::string expected;
        for (int n = 0; n < lines; ++n)
          expected += "You said: c" + std::to_string(i) + " line " + std::to_string(n) + "\n";
        if (w.exchange(batch, expected.size()) != expected)
          failed.add("client " + std::to_string(i) + ": wrong or missing lines");
      });
    }
    for (auto& t : workers) t.join();
    CHECK(failed.list.empty());
    for (const auto& f : failed.list) MESSAGE(f);
  }

  SUBCASE("a line over the limit (64 KiB) closes that connection only") {
    client big(server.port());
    CHECK(big.send(std::string(70000, 'x') + "\n") != client::outcome::stalled);
    CHECK(big.wait_closed());
    c.send_line("still here");
    CHECK(c.line() == "You said: still here");
  }
}

TEST_CASE("echo: clients that reset mid-stream do not disturb the others") {
  auto server = echo_server();
  constexpr int steady = 16, abrupt = 16, cycles = 5;
  failures failed;
  std::atomic<int> resets{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < steady; ++i) {
    workers.emplace_back([&, i] {
      client c(server.port());
      const std::string data = payload(1 << 20, static_cast<std::uint32_t>(i));
      if (c.exchange(data, data.size()) != data) failed.add("steady client " + std::to_string(i) + ": bad echo");
    });
  }
  for (int i = 0; i < abrupt; ++i) {
    workers.emplace_back([&, i] {
      for (int k = 0; k < cycles; ++k) {
        client c(server.port());
        // Stream 256 KiB, stop reading half way, then vanish with a reset
        // (SO_LINGER 0): data in flight both ways.
        const std::string data = payload(256 << 10, static_cast<std::uint32_t>(1000 + i * cycles + k));
        const std::string got = c.exchange(data, 128 << 10);
        if (got.size() < (128u << 10) || got.compare(0, got.size(), data, 0, got.size()) != 0)
          failed.add("abrupt client " + std::to_string(i) + ": bad echo before the reset");
        c.reset();
        ++resets;
      }
    });
  }
  for (auto& t : workers) t.join();
  CHECK(failed.list.empty());
  for (const auto& f : failed.list) MESSAGE(f);
  CHECK(resets == abrupt * cycles);

  // The server is still there and serves a newcomer.
  REQUIRE(server.running());
  client late(server.port());
  CHECK(late.exchange("after the resets", 16) == "after the resets");
}

TEST_CASE("echo: a client that sends a lot and never reads is held back, not buffered") {
  auto server = echo_server();
  client other(server.port());
  CHECK(other.exchange("before", 6) == "before");
  const std::size_t rss_before = server.rss_kib();

  // Another client keeps talking to the server all the while.
  std::atomic<bool> pushing{true};
  std::atomic<int> pings{0}, bad_pings{0};
  std::thread pinger([&] {
    while (pushing) {
      const std::string ping = "ping " + std::to_string(pings.load());
      if (other.exchange(ping, ping.size()) == ping) ++pings;
      else ++bad_pings;
      std::this_thread::sleep_for(2ms);  // a steady trickle (a flood would grow the heap under ASan)
    }
  });

  // A small receive window that does not grow: the echo backs up at once.
  client lazy(server.port(), 16 << 10);
  const std::string chunk = payload(64 << 10, 7);
  const std::size_t goal = std::size_t{64} << 20;
  std::size_t pushed = 0;
  auto last = client::outcome::done;
  while (pushed < goal) {
    last = lazy.send(chunk, 3s);  // no progress for 3 s: the server holds it back
    if (last != client::outcome::done) break;
    pushed += chunk.size();
  }
  pushing = false;
  pinger.join();
  MESSAGE("pushed " << (pushed >> 10) << " KiB, then the connection "
                    << std::string(last == client::outcome::closed ? "was closed" : "stalled")
                    << "; " << pings.load() << " echoes to another client meanwhile");
  // Held back by TCP (the driver stops reading while the echo is not taken),
  // not cut off with too_slow: the echo is what it writes.
  CHECK(last == client::outcome::stalled);
  CHECK(pushed < goal);

  // Meanwhile the others were served, and the server's memory stayed flat.
  CHECK(pings > 0);
  CHECK(bad_pings == 0);
  CHECK(other.exchange("during", 6) == "during");
  const std::size_t rss_after = server.rss_kib();
  MESSAGE("server VmRSS " << rss_before << " KiB -> " << rss_after << " KiB");
  CHECK(rss_after < rss_before + (64 << 10));
  lazy.close();
  client late(server.port());
  CHECK(late.exchange("after", 5) == "after");
}

TEST_CASE("echo: SIGTERM and SIGINT stop it with exit code 0") {
  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    auto server = echo_server();
    client idle(server.port());
    client busy(server.port());
    CHECK(busy.exchange("ping", 4) == "ping");
    server.signal(sig);
    // The clients are told (end of stream) and let go; the server exits.
    CHECK(idle.wait_closed());
    CHECK(busy.wait_closed());
    idle.close();
    busy.close();
    CHECK(server.wait_exit(10s) == 0);
  }
}

TEST_CASE("echo: SIGTERM with a client that never lets go still exits 0 within 10 s") {
  auto server = echo_server();
  client stubborn(server.port());
  CHECK(stubborn.exchange("ping", 4) == "ping");
  server.signal(SIGTERM);
  CHECK(server.wait_exit(10s) == 0);
}
