// agora-fault-proxy as a real process between plain socket clients
// (test/apps/process_util.hpp) and an echo server (echo_target.hpp): every
// fault, each direction, changed at run time through the control port or
// stdin.
#include <doctest/doctest.h>

#include <csignal>
#include <random>
#include <string>

#include "echo_target.hpp"
#include "fault_proxy_process.hpp"

using namespace agora_test;

namespace {

/// `n` bytes that differ with `seed`, so a lost or misplaced chunk shows.
std::string payload(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct proxied_echo {
  explicit proxied_echo(echo_target::mode m = echo_target::mode::echo) : target(m), proxy(AGORA_FAULT_PROXY_BIN, target.port()) {}
  echo_target target;
  fault_proxy_process proxy;
};

}  // namespace

TEST_CASE("fault proxy: forwards both ways and counts the bytes") {
  proxied_echo p;
  client c(p.proxy.port());
  const auto data = payload(1 << 20, 1);
  CHECK(c.exchange(data, data.size()) == data);
  auto s = p.proxy.stats();
  CHECK(s["connections"] == 1);
  CHECK(s["accepted"] == 1);
  CHECK(s["tx_bytes"] == data.size());
  CHECK(s["rx_bytes"] == data.size());
  CHECK(s["tx_dropped"] + s["rx_dropped"] + s["tx_held"] + s["rx_held"] == 0);
  CHECK(p.target.accepted() == 1);
}

TEST_CASE("fault proxy: an end of stream passes both ways, then the connection ends") {
  proxied_echo p;
  client c(p.proxy.port());
  CHECK(c.send("bye") == client::outcome::done);
  c.shutdown_write();
  CHECK(c.read_exact(3) == "bye");
  CHECK(c.wait_closed());
  CHECK(p.proxy.wait_stat("connections", 0));
  CHECK(p.target.ended() == 1);
  CHECK(p.target.reset_by_peer() == 0);
}

TEST_CASE("fault proxy: a reset by the target resets the client") {
  proxied_echo p;
  client c(p.proxy.port());
  CHECK(c.exchange("hi", 2) == "hi");
  p.target.reset_all();
  CHECK(c.wait_closed());
  CHECK(p.proxy.wait_stat("connections", 0));
}

TEST_CASE("fault proxy: delay holds bytes at least that long and keeps their order") {
  proxied_echo p;
  client c(p.proxy.port());
  CHECK(c.exchange("warm", 4) == "warm");

  SUBCASE("a round trip through a delayed direction takes at least the delay") {
    // A lower bound only: a slow machine can make it longer, never shorter.
    CHECK(p.proxy.command("delay tx 150") == "ok delay tx 150");
    auto start = test_clock::now();
    CHECK(c.exchange("a", 1) == "a");
    CHECK(test_clock::now() - start >= 150ms);
    CHECK(p.proxy.command("delay tx 0") == "ok delay tx 0");
    CHECK(p.proxy.command("delay rx 150") == "ok delay rx 150");
    start = test_clock::now();
    CHECK(c.exchange("b", 1) == "b");
    CHECK(test_clock::now() - start >= 150ms);
  }

  SUBCASE("bytes read after the delay is lowered wait behind those read before") {
    CHECK(p.proxy.command("delay both 60000") == "ok delay both 60000");
    CHECK(c.send("first") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_held", 5));  // read, held for a minute
    CHECK(p.proxy.command("delay both 0") == "ok delay both 0");
    CHECK(c.send("second") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_held", 11));  // behind "first", not past it
    CHECK(p.target.bytes_received() == 4);
    CHECK(p.proxy.command("heal") == "ok heal");  // held bytes are due now
    CHECK(c.read_exact(11) == "firstsecond");
  }
}

TEST_CASE("fault proxy: pause holds bytes, keeps the connection, and heal lets them flow") {
  proxied_echo p;
  client c(p.proxy.port());
  CHECK(c.exchange("warm", 4) == "warm");

  SUBCASE("tx") {
    CHECK(p.proxy.command("pause tx") == "ok pause tx");
    CHECK(c.send("held") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_held", 4));
    CHECK(p.target.bytes_received() == 4);  // "warm" only
  }
  SUBCASE("rx") {
    CHECK(p.proxy.command("pause rx") == "ok pause rx");
    CHECK(c.send("held") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("rx_held", 4));
    CHECK(p.target.bytes_received() == 8);  // it got through, the echo is held
  }
  SUBCASE("both") {
    CHECK(p.proxy.command("pause both") == "ok pause both");
    CHECK(c.send("held") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_held", 4));
    CHECK(p.target.bytes_received() == 4);
  }
  CHECK_FALSE(c.has_input());
  CHECK(p.proxy.stats()["connections"] == 1);
  CHECK(p.proxy.command("heal") == "ok heal");
  CHECK(c.read_exact(4) == "held");
  CHECK(c.exchange("more", 4) == "more");
}

TEST_CASE("fault proxy: a paused direction pushes back on its sender, and heal delivers every byte") {
  proxied_echo p(echo_target::mode::sink);
  client c(p.proxy.port());
  CHECK(p.proxy.command("pause tx") == "ok pause tx");
  const auto chunk = payload(64 << 10, 2);
  std::uint64_t sent = 0;
  bool stalled = false;
  // The proxy holds at most 4 MiB, the kernel buffers a few more: 64 MiB
  // cannot all go in.
  for (int i = 0; i < 1024 && !stalled; ++i) {
    if (c.send(chunk, 500ms) == client::outcome::done) sent += chunk.size();
    else stalled = true;
  }
  CHECK(stalled);
  CHECK(p.proxy.stats()["tx_held"] < (4u << 20) + chunk.size());
  CHECK(p.target.bytes_received() == 0);

  CHECK(p.proxy.command("heal") == "ok heal");
  c.shutdown_write();  // the sink counts until the end of stream
  REQUIRE(echo_target::wait_for([&] { return p.target.ended() == 1; }));
  const auto s = p.proxy.stats();
  CHECK(p.target.bytes_received() == s.at("tx_bytes"));
  CHECK(p.target.bytes_received() >= sent);  // and part of the chunk that stalled
  CHECK(s.at("tx_dropped") == 0);
  CHECK(s.at("tx_held") == 0);
}

TEST_CASE("fault proxy: blackhole drops bytes silently and keeps the connection") {
  proxied_echo p;
  client c(p.proxy.port());
  CHECK(c.exchange("warm", 4) == "warm");

  SUBCASE("tx") {
    CHECK(p.proxy.command("blackhole tx") == "ok blackhole tx");
    CHECK(c.send("lost") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_dropped", 4));
    CHECK(p.target.bytes_received() == 4);
  }
  SUBCASE("rx") {
    CHECK(p.proxy.command("blackhole rx") == "ok blackhole rx");
    CHECK(c.send("lost") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("rx_dropped", 4));
    CHECK(p.target.bytes_received() == 8);
  }
  SUBCASE("both") {
    CHECK(p.proxy.command("blackhole both") == "ok blackhole both");
    CHECK(c.send("lost") == client::outcome::done);
    REQUIRE(p.proxy.wait_stat("tx_dropped", 4));
  }
  CHECK_FALSE(c.has_input());
  CHECK(p.proxy.stats()["connections"] == 1);
  CHECK(p.proxy.command("heal") == "ok heal");
  CHECK(c.exchange("kept", 4) == "kept");  // not "lostkept"
}

TEST_CASE("fault proxy: cut resets every connection and refuses new ones until heal") {
  proxied_echo p;
  client a(p.proxy.port()), b(p.proxy.port());
  CHECK(a.exchange("a", 1) == "a");
  CHECK(b.exchange("b", 1) == "b");
  CHECK(p.proxy.command("cut") == "ok cut");
  CHECK(a.wait_closed());
  CHECK(b.wait_closed());
  CHECK(echo_target::wait_for([&] { return p.target.reset_by_peer() == 2; }));
  CHECK_THROWS_WITH_AS(client{p.proxy.port()}, doctest::Contains("refused"), std::runtime_error);
  auto s = p.proxy.stats();
  CHECK(s["cut"] == 1);
  CHECK(s["connections"] == 0);

  CHECK(p.proxy.command("heal") == "ok heal");
  CHECK(p.proxy.stats()["cut"] == 0);
  client again(p.proxy.port());
  CHECK(again.exchange("again", 5) == "again");
}

TEST_CASE("fault proxy: stdin takes the same commands, and bad ones get an error line") {
  proxied_echo p;
  CHECK(p.proxy.command_stdin("delay rx 5") == "ok delay rx 5");
  CHECK(p.proxy.command_stdin("blackhole up").rfind("error ", 0) == 0);
  CHECK(p.proxy.command("frobnicate").rfind("error unknown command", 0) == 0);
  CHECK(p.proxy.command_stdin("stats").rfind("ok connections=0", 0) == 0);
}

TEST_CASE("fault proxy: SIGTERM ends it with exit code 0") {
  proxied_echo p;
  p.proxy.signal(SIGTERM);
  CHECK(p.proxy.wait_exit() == 0);
}
