// The UDP driver, driven through a deterministic agora::vm and a pump_port,
// against plain Boost.Asio sockets on 127.0.0.1. The plain sockets are
// non-blocking and polled from the test thread between pumps, so each test
// is one thread of control plus the port's I/O thread. No timing
// assertions beyond generous timeouts.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "agora/drivers/pump_port.hpp"
#include "agora/drivers/udp.hpp"
#include "agora/ground.hpp"
#include "agora/vm.hpp"
#include "fixture.hpp"

using namespace agora;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using proto = asio::ip::udp;

namespace {

const auto localhost = asio::ip::make_address("127.0.0.1");

/// A plain, non-blocking UDP socket on 127.0.0.1.
struct plain_socket {
  asio::io_context io;
  proto::socket sock{io};

  explicit plain_socket(std::uint16_t port = 0) {
    sock.open(proto::v4());
    sock.bind({localhost, port});
    sock.non_blocking(true);
  }
  std::uint16_t port() const { return sock.local_endpoint().port(); }
  void send(std::string_view bytes, std::uint16_t to) {
    sock.send_to(asio::buffer(bytes.data(), bytes.size()), proto::endpoint(localhost, to));
  }
  struct got {
    std::string bytes;
    proto::endpoint from;
  };
  std::optional<got> receive() {
    std::string buf(65'536, '\0');
    proto::endpoint from;
    boost::system::error_code ec;
    const auto n = sock.receive_from(asio::buffer(buf), from, 0, ec);
    if (ec) return std::nullopt;
    buf.resize(n);
    return got{std::move(buf), from};
  }
};

/// Can a plain socket bind `port` on 127.0.0.1 now?
bool can_bind(std::uint16_t port) {
  asio::io_context io;
  proto::socket s(io);
  s.open(proto::v4());
  boost::system::error_code ec;
  s.bind({localhost, port}, ec);
  return !ec;
}

/// A port that was free a moment ago.
std::uint16_t free_port() { return plain_socket().port(); }

/// What a listener actor saw, in order.
struct inbox {
  std::vector<std::string> events;  // "+socket bound(P)", "-socket bound(P) deleted", ...
  std::vector<term> datagrams;      // udp.datagram bodies
  std::vector<term> errors;         // udp.error bodies
  std::vector<std::string> order;   // "datagram" / "truncated", interleaved
  std::optional<std::int64_t> port;  // from bound(PORT)
  std::optional<std::string> failed;
};

struct listener {
  inbox* in;
  term bind;
  bool echo = false;
  endpoint_id sub{};
};

using lturn = turn<listener>;

void on_data(lturn& t, const udp::datagram& d) {
  t.state.in->datagrams.push_back(rec("udp.datagram", d.bind, d.peer, term::bytes(d.bytes)));
  t.state.in->order.emplace_back("datagram");
  if (t.state.echo) udp::send(t, d.bind, d.peer, d.bytes);
}

/// Subscribes to BIND's datagrams (binding it), its socket state, errors
/// and truncations. "leave" removes the datagram subscription (the socket
/// is let go); "join" makes it again.
actor_spec listener_actor(inbox& in, term bind, bool echo = false) {
  return actor<listener>{{&in, bind, echo, {}}, "listener"}
      .on_start([](lturn& t) {
        auto ground = t.at_ground();
        ground.subscribe(udp::socket_topic(t.state.bind),
                         {.on_presence = [](lturn& t, const presence& p) {
                            const term& s = p.flow()[1];
                            t.state.in->events.push_back("+socket " + s.to_string());
                            if (s.is_record("bound", 1)) t.state.in->port = s[0].as_int();
                            if (s.is_record("failed", 1)) t.state.in->failed = std::string(s[0].as_string());
                          },
                          .on_absence = [](lturn& t, const absence& a) {
                            t.state.in->events.push_back("-socket " + a.flow()[1].to_string() + " " +
                                                         a.why.to_string());
                            t.state.in->port.reset();
                            t.state.in->failed.reset();
                          }});
        ground.subscribe(udp::error_topic(t.state.bind),
                         {.on_message = [](lturn& t, const message& m) {
                           t.state.in->errors.push_back(m.body());
                         }});
        udp::on_truncated(t, t.state.bind, [](lturn& t, const term&, std::int64_t) {
          t.state.in->order.emplace_back("truncated");
        });
        t.state.sub = udp::on_datagram(t, t.state.bind, on_data);
      })
      .on_message(sym("leave"), [](lturn& t, const message&) { t.remove(t.state.sub); })
      .on_message(sym("join"), [](lturn& t, const message&) {
        t.state.sub = udp::on_datagram(t, t.state.bind, on_data);
      });
}

struct fixture : test::driver_fixture<udp::driver_options> {
  explicit fixture(udp::driver_options options = {}) : driver_fixture(udp::driver, std::move(options)) {}

  udp::stats stats() {
    return stats_by<udp::stats>(
        [](auto& t, term id, auto f) { return udp::query_stats(t, std::move(id), std::move(f)); });
  }

  /// Spawns a listener and waits until its socket is bound; returns the port.
  std::uint16_t bound(inbox& in, term bind, bool echo = false) {
    v.spawn(listener_actor(in, std::move(bind), echo));
    REQUIRE(pump_until([&] { return in.port.has_value() || in.failed.has_value(); }));
    REQUIRE_MESSAGE(in.port.has_value(), in.failed.value_or(""));
    return static_cast<std::uint16_t>(*in.port);
  }

  /// Pumps until the plain socket has received something.
  std::optional<plain_socket::got> receive(plain_socket& s, std::chrono::milliseconds timeout = 10s) {
    std::optional<plain_socket::got> got;
    pump_until([&] { return (got = s.receive()).has_value(); }, timeout);
    return got;
  }
};

term bytes(std::string_view s) { return term::bytes(s); }

}  // namespace

TEST_CASE("udp: the socket is bound while there is interest, and closed when it goes") {
  fixture f;
  CHECK(f.stats().sockets == 0);
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b);
  CHECK(port != 0);  // port 0: the kernel picked one, bound(PORT) tells which
  CHECK(in.events == std::vector<std::string>{"+socket bound(" + std::to_string(port) + ")"});
  CHECK(f.stats().sockets == 1);
  CHECK_FALSE(can_bind(port));

  f.v.send(sym("leave"));  // the last (only) interest goes
  REQUIRE(f.pump_until([&] { return in.events.size() == 2; }));
  CHECK(in.events[1] == "-socket bound(" + std::to_string(port) + ") deleted");
  CHECK(f.stats().sockets == 0);
  // Closing happens on the I/O thread: a plain socket gets the port soon.
  REQUIRE(f.pump_until([&] { return can_bind(port); }, 5s));

  // Interest again: a new socket (port 0: perhaps another port).
  f.v.send(sym("join"));
  REQUIRE(f.pump_until([&] { return in.port.has_value(); }));
  CHECK(f.stats().sockets == 1);
  CHECK(f.log.empty());
}

TEST_CASE("udp: bind results cannot be forged: the old private messages reach nobody") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b);
  // What the I/O side used to inject as agora.udp.opened / agora.udp.failed
  // (INSTANCE: the driver's id; socket generation 1).
  const term instance(static_cast<std::int64_t>(f.driver.value));
  CHECK(f.turns_for(rec("agora.udp.opened", instance, b, 1, 4242)) == 0);
  CHECK(f.turns_for(rec("agora.udp.failed", instance, b, 1, "forged")) == 0);
  CHECK(in.events == std::vector<std::string>{"+socket bound(" + std::to_string(port) + ")"});
  CHECK(f.stats().sockets == 1);
  CHECK(f.log.empty());
}

TEST_CASE("udp: a port in use gives failed(what), interest coming back retries") {
  fixture f;
  inbox in;
  auto holder = std::make_unique<plain_socket>();
  const auto port = holder->port();
  const term b = udp::bind_on("127.0.0.1", port, 1500);
  f.v.spawn(listener_actor(in, b));
  REQUIRE(f.pump_until([&] { return in.failed.has_value(); }));
  CHECK(in.failed->find("in use") != std::string::npos);
  REQUIRE(f.log.size() == 1);
  CHECK(f.log[0].find("agora.udp: udp.bind(\"127.0.0.1\", " + std::to_string(port) + ", 1500) failed") == 0);
  CHECK(f.stats().sockets == 0);

  // A send meanwhile is refused with the reason.
  f.v.send(udp::send_message(b, udp::peer("127.0.0.1", 9), bytes("x")));
  REQUIRE(f.pump_until([&] { return !in.errors.empty(); }));
  CHECK(in.errors[0][2].as_string().find("not bound: ") == 0);

  holder.reset();
  f.v.send(sym("leave"));
  f.v.send(sym("join"));
  REQUIRE(f.pump_until([&] { return in.port.has_value(); }));
  CHECK(*in.port == port);
  CHECK(f.stats().sockets == 1);
}

TEST_CASE("udp: echo round trip, the peer address is carried both ways") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b, /*echo=*/true);
  plain_socket client;
  client.send("hello", port);
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "hello");
  CHECK(got->from == proto::endpoint(localhost, port));  // sent from the bound socket
  REQUIRE(in.datagrams.size() == 1);
  CHECK(in.datagrams[0] == rec("udp.datagram", b, udp::peer("127.0.0.1", client.port()), bytes("hello")));

  // Empty and binary datagrams too.
  const std::string binary("\0\x01\xff\n", 4);
  client.send("", port);
  client.send(binary, port);
  auto e = f.receive(client);
  auto bin = f.receive(client);
  REQUIRE(e.has_value());
  REQUIRE(bin.has_value());
  CHECK(e->bytes.empty());
  CHECK(bin->bytes == binary);
  auto s = f.stats();
  CHECK(s.received == 3);
  CHECK(s.sent == 3);
  CHECK(s.refused == 0);
  CHECK(s.errors == 0);
}

TEST_CASE("udp: a send in the same turn as the subscription goes out from the new socket") {
  fixture f;
  plain_socket client;
  struct st {
    std::uint16_t to;
  };
  f.v.spawn(actor<st>{{client.port()}}.on_start([](turn<st>& t) {
    const term b = udp::bind_on("127.0.0.1", 0, 100);
    udp::on_datagram(t, b, [](turn<st>&, const udp::datagram&) {});
    udp::send(t, b, "127.0.0.1", t.state.to, "first");
  }));
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "first");
  CHECK(got->from.port() != 0);
  CHECK_FALSE(can_bind(got->from.port()));
}

TEST_CASE("udp: incoming datagrams over MAX are truncated, announced and counted") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 16);
  const auto port = f.bound(in, b);
  plain_socket client;
  std::string big(100, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  client.send(big, port);
  client.send(big.substr(0, 16), port);  // exactly MAX: intact
  REQUIRE(f.pump_until([&] { return in.datagrams.size() == 2; }));
  const term from = udp::peer("127.0.0.1", client.port());
  CHECK(in.datagrams[0] == rec("udp.datagram", b, from, bytes(big.substr(0, 16))));
  CHECK(in.datagrams[1] == rec("udp.datagram", b, from, bytes(big.substr(0, 16))));
  // The notice comes just before the datagram it is about.
  CHECK(in.order == std::vector<std::string>{"truncated", "datagram", "datagram"});
  auto s = f.stats();
  CHECK(s.received == 2);
  CHECK(s.truncated == 1);
}

TEST_CASE("udp: a burst with oversized datagrams among small ones: order and notices hold, whatever the batches") {
  fixture f;  // 50 small datagrams fit any kernel's default receive buffer (208 KiB)
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 16);
  const auto port = f.bound(in, b);
  plain_socket client;
  std::vector<std::string> sent, expected;
  std::vector<std::string> order;
  for (int i = 0; i < 50; ++i) {
    const bool big = i % 10 == 3;
    std::string d = fmt::format("{:03}", i) + std::string(big ? 40 : 5, static_cast<char>('a' + i % 26));
    client.send(d, port);  // all of them before the driver reads: batches of many
    expected.push_back(d.substr(0, 16));
    if (big) order.emplace_back("truncated");
    order.emplace_back("datagram");
  }
  REQUIRE(f.pump_until([&] { return in.datagrams.size() == expected.size(); }));
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(in.datagrams[i][2] == bytes(expected[i]));
  CHECK(in.order == order);
  auto s = f.stats();
  CHECK(s.received == 50);
  CHECK(s.truncated == 5);
}

TEST_CASE("udp: the largest datagram (65,507 bytes) goes through both ways") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, udp::max_datagram);
  const auto port = f.bound(in, b, /*echo=*/true);
  plain_socket client;
  std::string big(udp::max_datagram, 'x');
  big.front() = '<';
  big.back() = '>';
  client.send(big, port);
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == big);
  CHECK(f.stats().truncated == 0);
}

TEST_CASE("udp: outgoing datagrams over MAX are refused with udp.error") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 16);
  f.bound(in, b);
  plain_socket client;
  const term to = udp::peer("127.0.0.1", client.port());
  f.v.send(udp::send_message(b, to, bytes(std::string(17, 'n'))));
  f.v.send(udp::send_message(b, to, bytes(std::string(16, 'y'))));
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == std::string(16, 'y'));
  REQUIRE(in.errors.size() == 1);
  CHECK(in.errors[0] == rec("udp.error", b, to, "datagram of 17 bytes is longer than MAX (16)"));

  // Over 65,507 with the largest MAX.
  inbox in2;
  const term b2 = udp::bind_on("127.0.0.1", 0, udp::max_datagram);
  f.bound(in2, b2);
  f.v.send(udp::send_message(b2, to, bytes(std::string(udp::max_datagram + 1, 'z'))));
  REQUIRE(f.pump_until([&] { return !in2.errors.empty(); }));
  CHECK(in2.errors[0][2].as_string() == "datagram of 65508 bytes is longer than MAX (65507)");
  f.port.pump_for(f.v, 20ms);
  CHECK_FALSE(client.receive().has_value());  // nothing else arrived
  auto s = f.stats();
  CHECK(s.refused == 2);
  CHECK(s.sent == 1);
  CHECK(f.log.empty());
}

TEST_CASE("udp: bad messages and binds are reported, and the driver carries on") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 100);
  f.bound(in, b, /*echo=*/true);
  const term to = udp::peer("127.0.0.1", 9);

  // Malformed: one log line each, nothing else.
  f.v.send(rec("udp.send", b, to));
  f.v.send(rec("udp.send", b, to, bytes("x"), 4));
  f.v.send(rec("udp.send", b, "127.0.0.1:9", bytes("x")));
  f.v.send(rec("udp.send", b, rec("peer", 127, 9), bytes("x")));
  f.v.send(rec("udp.send", b, to, 42));
  f.v.send(rec("get_udp_stats"));
  f.v.run();
  REQUIRE(f.log.size() == 6);
  for (auto& line : f.log) CHECK_MESSAGE(line.find("agora.udp: ignored ") == 0, line);
  CHECK(f.log[0].find("want udp.send(BIND, peer(HOST, PORT), BYTES)") != std::string::npos);
  CHECK(f.log[5].find("want get_udp_stats(ReplyID)") != std::string::npos);
  CHECK(in.errors.empty());

  // Well-formed but wrong: a udp.error each (no log line).
  const term unbound = udp::bind_on("127.0.0.1", 1, 100);
  std::vector<term> unbound_errors;
  f.v.spawn(actor<std::vector<term>*>{&unbound_errors}.subscribe(
      udp::error_topic(unbound), {.on_message = [](auto& t, const message& m) { t.state->push_back(m.body()); }}));
  f.v.send(udp::send_message(unbound, to, bytes("x")));
  f.v.send(udp::send_message(b, udp::peer("localhost", 9), bytes("x")));
  f.v.send(udp::send_message(b, udp::peer("127.0.0.1", 0), bytes("x")));
  f.v.send(udp::send_message(b, rec("peer", "127.0.0.1", 70000), bytes("x")));
  f.v.send(udp::send_message(b, udp::peer("::1", 9), bytes("x")));
  f.v.send(udp::send_message(unbound, to, bytes("y")));
  f.v.run();
  REQUIRE(unbound_errors.size() == 2);
  CHECK(unbound_errors[0] == rec("udp.error", unbound, to, "not bound"));
  REQUIRE(in.errors.size() == 4);
  CHECK(in.errors[0][2].as_string() == "peer HOST must be an IP address literal");
  CHECK(in.errors[1][2].as_string() == "peer PORT must be in [1, 65535]");
  CHECK(in.errors[2][2].as_string() == "peer PORT must be in [1, 65535]");
  CHECK(in.errors[3][2].as_string() == "an IPv6 peer for an IPv4 socket");

  // Bad BINDs in subscriptions: failed("what") and a log line.
  std::vector<inbox> bad(5);
  const std::vector<term> bad_binds = {
      rec("udp.bind", "localhost", 0, 100), rec("udp.bind", "127.0.0.1", 70000, 100),
      rec("udp.bind", "127.0.0.1", 0, 0), rec("udp.bind", "127.0.0.1", 0, 65508), rec("udp.bind", 1, 2)};
  for (std::size_t i = 0; i < bad.size(); ++i) f.v.spawn(listener_actor(bad[i], bad_binds[i]));
  f.v.run();
  const std::vector<std::string> whys = {"HOST must be an IP address literal", "PORT must be in [0, 65535]",
                                         "MAX must be in [1, 65507]", "MAX must be in [1, 65507]",
                                         "want udp.bind(HOST, PORT, MAX) or udp.bind(HOST, PORT, MAX, TAG)"};
  for (std::size_t i = 0; i < bad.size(); ++i) CHECK(bad[i].failed == whys[i]);
  REQUIRE(f.log.size() == 11);
  CHECK(f.log[6].find("agora.udp: cannot bind udp.bind(\"localhost\", 0, 100): ") == 0);
  auto s = f.stats();
  CHECK(s.ignored == 11);
  CHECK(s.refused == 6);
  CHECK(s.sockets == 1);
  CHECK(f.v.alive(f.driver));

  // Still serving.
  plain_socket client;
  client.send("still here", static_cast<std::uint16_t>(*in.port));
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "still here");
}

TEST_CASE("udp: two binds at once, each datagram on its own socket") {
  fixture f;
  inbox a, b;
  const term ba = udp::bind_on("127.0.0.1", 0, 1500);
  const term bb = udp::bind_on("127.0.0.1", 0, 1400);
  const auto pa = f.bound(a, ba, true);
  const auto pb = f.bound(b, bb, true);
  CHECK(pa != pb);
  CHECK(f.stats().sockets == 2);
  plain_socket client;
  client.send("to a", pa);
  client.send("to b", pb);
  std::vector<plain_socket::got> got;
  REQUIRE(f.pump_until([&] {
    while (auto g = client.receive()) got.push_back(*g);
    return got.size() == 2;
  }));
  for (auto& g : got) {
    if (g.bytes == "to a") CHECK(g.from.port() == pa);
    else CHECK((g.bytes == "to b" && g.from.port() == pb));
  }
  REQUIRE(a.datagrams.size() == 1);
  REQUIRE(b.datagrams.size() == 1);
  CHECK(a.datagrams[0][0] == ba);
  CHECK(a.datagrams[0][2] == bytes("to a"));
  CHECK(b.datagrams[0][0] == bb);
  CHECK(b.datagrams[0][2] == bytes("to b"));
}

TEST_CASE("udp: one socket per BIND, kept while any subscriber of it remains") {
  fixture f;
  inbox a, b;
  const term bind = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(a, bind);
  auto second = f.v.spawn(listener_actor(b, bind));
  REQUIRE(f.pump_until([&] { return b.port.has_value(); }));
  CHECK(*b.port == port);  // the same socket
  CHECK(f.stats().sockets == 1);
  // A filtered subscription (another flow of the same BIND) counts too.
  plain_socket client;
  auto filtered = f.v.spawn(actor<>{}.subscribe(
      rec("udp.datagram", bind, udp::peer("127.0.0.1", client.port()), _)));
  f.v.stop(second);
  f.v.send(sym("leave"));  // a's interest goes (b has stopped)
  f.v.run();
  CHECK(f.stats().sockets == 1);
  CHECK(a.events.size() == 1);  // still bound: no absence
  client.send("kept", port);
  REQUIRE(f.pump_until([&] { return f.stats().received == 1; }));
  f.v.stop(filtered);
  f.v.run();
  REQUIRE(f.pump_until([&] { return a.events.size() == 2; }));
  CHECK(f.stats().sockets == 0);
  REQUIRE(f.pump_until([&] { return can_bind(port); }, 5s));
}

TEST_CASE("udp: sending to a closed port (ICMP unreachable) does not hurt the socket") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b);
  const auto closed = free_port();
  for (int i = 0; i < 20; ++i) f.v.send(udp::send_message(b, udp::peer("127.0.0.1", closed), bytes("anyone?")));
  f.port.pump_for(f.v, 20ms);
  plain_socket client;
  for (int i = 0; i < 3; ++i) {
    client.send("after", port);
    REQUIRE(f.pump_until([&] { return in.datagrams.size() == static_cast<std::size_t>(i + 1); }));
  }
  CHECK(in.events.size() == 1);  // bound all along
  CHECK(in.port.has_value());
  // Whatever the kernel reported (Linux does not, for unconnected sockets)
  // came as udp.error messages, not as a failure.
  for (auto& e : in.errors) CHECK(e.is_record("udp.error", 3));
  CHECK(f.v.alive(f.driver));
}

TEST_CASE("udp: a send the kernel refuses comes back as udp.error, the socket carries on") {
  // A broadcast without SO_BROADCAST: refused locally (EACCES, or
  // ENETUNREACH without a route), nothing leaves the host.
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b, /*echo=*/true);
  const term to = udp::peer("255.255.255.255", 9);
  f.v.send(udp::send_message(b, to, bytes("everyone?")));
  REQUIRE(f.pump_until([&] { return !in.errors.empty(); }));
  CHECK(in.errors[0][0] == b);
  CHECK(in.errors[0][1] == to);
  CHECK_FALSE(in.errors[0][2].as_string().empty());
  plain_socket client;
  client.send("still", port);
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "still");
  auto s = f.stats();
  CHECK(s.errors == 1);
  CHECK(s.sent == 1);
  CHECK(in.events.size() == 1);
}

TEST_CASE("udp: sends beyond max_pending_bytes are refused") {
  fixture f({.max_pending_bytes = 10});
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 100);
  f.bound(in, b);
  plain_socket client;
  const term to = udp::peer("127.0.0.1", client.port());
  f.v.send(udp::send_message(b, to, bytes("eleven byte")));
  f.v.send(udp::send_message(b, to, bytes("ten bytes!")));
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "ten bytes!");
  REQUIRE(f.pump_until([&] { return !in.errors.empty(); }));
  CHECK(in.errors[0] == rec("udp.error", b, to, "send queue full: 0 bytes pending, limit 10"));
  CHECK(f.stats().refused == 1);
}

TEST_CASE("udp: 10,000 datagrams echoed without loss (windowed)") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 64);
  const auto port = f.bound(in, b, /*echo=*/true);
  plain_socket client;
  constexpr int total = 10'000;
  constexpr int window = 32;
  int next = 0;
  std::set<int> echoed;
  int duplicates = 0;
  REQUIRE(f.pump_until(
      [&] {
        while (auto g = client.receive()) {
          if (!echoed.insert(std::stoi(g->bytes)).second) ++duplicates;
        }
        while (next < total && next - static_cast<int>(echoed.size()) < window)
          client.send(std::to_string(next++), port);
        return static_cast<int>(echoed.size()) == total;
      },
      60s));
  CHECK(duplicates == 0);
  CHECK(*echoed.begin() == 0);
  CHECK(*echoed.rbegin() == total - 1);
  auto s = f.stats();
  CHECK(s.received == total);
  CHECK(s.sent == total);
  CHECK(s.errors == 0);
}

TEST_CASE("udp: stopping the driver closes its sockets") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b);
  f.v.stop(f.driver);
  f.v.run();
  REQUIRE(in.events.size() == 2);
  CHECK(in.events[1] == "-socket bound(" + std::to_string(port) + ") quit");
  REQUIRE(f.pump_until([&] { return can_bind(port); }, 5s));
}

TEST_CASE("udp: a listener in a nested VM, relayed without user code") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  auto outer = f.v.spawn(nested_vm("outer", {nested_vm("inner", {listener_actor(in, b, true)})}));
  REQUIRE(f.pump_until([&] { return in.port.has_value(); }));
  const auto port = static_cast<std::uint16_t>(*in.port);
  plain_socket client;
  client.send("deep", port);
  auto got = f.receive(client);
  REQUIRE(got.has_value());
  CHECK(got->bytes == "deep");
  CHECK(got->from.port() == port);
  f.v.stop(outer);
  f.v.run();
  CHECK(f.stats().sockets == 0);
  REQUIRE(f.pump_until([&] { return can_bind(port); }, 5s));
}

TEST_CASE("udp: under agora::ground with two I/O threads, ping-pong between two sockets") {
  // The real host: VMs on CAF threads, the io_context on two threads (the
  // driver's strand keeps each socket's handlers in order).
  ground g({.threads = 2, .io_threads = 2, .handle_signals = false});
  g.spawn(udp::driver(g));
  struct pingpong {
    std::int64_t port_b = 0;
    int pongs = 0;
  };
  using pturn = turn<pingpong>;
  const term a = udp::bind_on("127.0.0.1", 0, 512);
  const term b = udp::bind_on("127.0.0.1", 0, 256);
  int pongs = 0;
  auto app = actor<pingpong>{{}, "pingpong"}.on_start([a, b, &pongs](pturn& t) {
    udp::on_datagram(t, b, [](pturn& t, const udp::datagram& d) {  // B echoes
      udp::send(t, d.bind, d.peer, d.bytes);
    });
    udp::on_datagram(t, a, [a, &pongs](pturn& t, const udp::datagram& d) {  // A counts
      if (d.bytes != std::to_string(t.state.pongs)) throw std::runtime_error("out of order");
      pongs = ++t.state.pongs;
      if (t.state.pongs == 1000) t.quit();
      else udp::send(t, a, "127.0.0.1", static_cast<std::uint16_t>(t.state.port_b),
                     std::to_string(t.state.pongs));
    });
    // Both bound (presence of bound(PORT) for each): A serves first.
    for (const term& bind : {a, b})
      t.subscribe(udp::socket_topic(bind), {.on_presence = [a, b](pturn& t, const presence& p) {
                    const term& state = p.flow()[1];
                    if (!state.is_record("bound", 1)) throw std::runtime_error(state.to_string());
                    if (p.flow()[0] == b) {
                      t.state.port_b = state[0].as_int();
                      udp::send(t, a, "127.0.0.1", static_cast<std::uint16_t>(t.state.port_b), "0");
                    }
                  }});
  });
  // A watchdog, so that a hang fails instead of blocking the suite.
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, 30s, [&] { return finished; })) g.shutdown(3);
  });
  const int code = g.run(app);
  {
    std::lock_guard lock(m);
    finished = true;
  }
  cv.notify_one();
  watchdog.join();
  CHECK(code == 0);
  CHECK(pongs == 1000);
}

namespace {

/// SO_RCVBUF of this process's UDP socket bound to 127.0.0.1:port (found
/// among its descriptors), or -1.
int receive_buffer_of(std::uint16_t port) {
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    int type = 0;
    socklen_t tlen = sizeof type;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sin_family != AF_INET) continue;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM) continue;
    if (ntohs(a.sin_port) != port) continue;
    int size = 0;
    socklen_t slen = sizeof size;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &slen) != 0) return -1;
    return size;
  }
  return -1;
}

}  // namespace

TEST_CASE("udp: binds that differ only in TAG are sockets of their own") {
  fixture f;
  inbox a, b;
  const term ba = udp::bind_tagged("127.0.0.1", 0, 1500, rec("query", 1));
  const term bb = udp::bind_tagged("127.0.0.1", 0, 1500, rec("query", 2));
  const auto pa = f.bound(a, ba, true);
  const auto pb = f.bound(b, bb, true);
  CHECK(pa != pb);
  CHECK(f.stats().sockets == 2);
  plain_socket client;
  client.send("to b", pb);
  REQUIRE(f.pump_until([&] { return b.datagrams.size() == 1; }));
  CHECK(b.datagrams[0][0] == bb);
  CHECK(a.datagrams.empty());
}

TEST_CASE("udp: receive_buffer_bytes sets SO_RCVBUF on the driver's sockets") {
  const int rmem_max = [] {
    std::FILE* f = std::fopen("/proc/sys/net/core/rmem_max", "r");
    int v = 0;
    if (f) {
      if (std::fscanf(f, "%d", &v) != 1) v = 0;
      std::fclose(f);
    }
    return v;
  }();
  fixture plain;
  inbox a;
  const int before = receive_buffer_of(plain.bound(a, udp::bind_on("127.0.0.1", 0, 1500)));
  REQUIRE(before > 0);
  fixture f(udp::driver_options{.receive_buffer_bytes = 4u << 20});
  inbox b;
  const int after = receive_buffer_of(f.bound(b, udp::bind_on("127.0.0.1", 0, 1500)));
  // Linux doubles what it is asked for (bookkeeping), capped by rmem_max.
  const int expected = 2 * std::min(4 << 20, rmem_max);
  if (rmem_max * 2 <= before) {
    MESSAGE("skipped: net.core.rmem_max (" << rmem_max << ") is no larger than the default buffer");
    return;
  }
  CHECK(after == expected);
}

namespace {

/// Takes BIND's datagrams in batches (udp.datagrams), records each batch's
/// size and items, and echoes each batch with one udp.sends.
struct batch_listener {
  std::vector<std::string>* got;      // the datagrams' bytes, in order
  std::vector<std::size_t>* batches;  // the size of each batch
  term bind;
  endpoint_id sub{};
};

actor_spec batch_echo(std::vector<std::string>& got, std::vector<std::size_t>& batches, term bind) {
  using bturn = turn<batch_listener>;
  const auto take = [](bturn& t, std::span<const udp::datagram> batch) {
    t.state.batches->push_back(batch.size());
    udp::send_batch replies;
    for (const auto& d : batch) {
      t.state.got->emplace_back(d.bytes);
      replies.add(d.bind, d.peer, d.bytes);
    }
    replies.send(t);
  };
  return actor<batch_listener>{{&got, &batches, std::move(bind), {}}, "batch-echo"}
      .on_start([take](bturn& t) { t.state.sub = udp::on_datagrams(t, t.state.bind, take); })
      .on_message(sym("leave"), [](bturn& t, const message&) { t.remove(t.state.sub); });
}

}  // namespace

TEST_CASE("udp: batch subscribers get udp.datagrams and answer with udp.sends, in order, beside single ones") {
  fixture f;
  inbox in;
  const term b = udp::bind_on("127.0.0.1", 0, 1500);
  const auto port = f.bound(in, b);  // a single-datagram subscriber of the same BIND
  std::vector<std::string> got;
  std::vector<std::size_t> batches;
  f.v.spawn(batch_echo(got, batches, b));
  f.v.run();
  plain_socket client;
  constexpr int total = 200;
  for (int i = 0; i < total; ++i) client.send(std::to_string(i), port);
  std::vector<std::string> echoed;
  REQUIRE(f.pump_until([&] {
    while (auto g = client.receive()) echoed.push_back(g->bytes);
    return static_cast<int>(echoed.size()) == total && got.size() == total && in.datagrams.size() == total;
  }));
  std::vector<std::string> sent;
  for (int i = 0; i < total; ++i) sent.push_back(std::to_string(i));
  CHECK(got == sent);     // every datagram once, in order, in the batches
  CHECK(echoed == sent);  // and every reply, in order
  std::size_t in_batches = 0;
  for (auto n : batches) in_batches += n;
  CHECK(in_batches == total);
  MESSAGE(batches.size() << " batches for " << total << " datagrams");
  for (int i = 0; i < total; ++i) CHECK(in.datagrams[static_cast<std::size_t>(i)][2] == bytes(sent[static_cast<std::size_t>(i)]));
  auto s = f.stats();
  CHECK(s.received == total);
  CHECK(s.sent == total);
  CHECK(f.log.empty());
}

TEST_CASE("udp: a batch subscriber alone keeps the socket bound; udp.sends refuses bad items one by one") {
  fixture f;
  std::vector<std::string> got;
  std::vector<std::size_t> batches;
  const term b = udp::bind_on("127.0.0.1", 0, 16);
  inbox watch;  // errors and the socket's state, without taking datagrams
  f.v.spawn(actor<listener>{{&watch, b, false, {}}, "watch"}.on_start([](lturn& t) {
    t.at_ground().subscribe(udp::socket_topic(t.state.bind), {.on_presence = [](lturn& t, const presence& p) {
                                                                 const term& s = p.flow()[1];
                                                                 if (s.is_record("bound", 1)) t.state.in->port = s[0].as_int();
                                                               },
                                                               .on_absence = [](lturn& t, const absence&) {
                                                                 t.state.in->port.reset();
                                                               }});
    t.at_ground().subscribe(udp::error_topic(t.state.bind),
                            {.on_message = [](lturn& t, const message& m) { t.state.in->errors.push_back(m.body()); }});
  }));
  f.v.spawn(batch_echo(got, batches, b));
  REQUIRE(f.pump_until([&] { return watch.port.has_value(); }));
  const auto port = static_cast<std::uint16_t>(*watch.port);
  plain_socket client;
  const term to = udp::peer("127.0.0.1", client.port());
  f.v.send(rec("udp.sends", term::sequence({udp::send_message(b, to, bytes("one")), sym("junk"),
                                            udp::send_message(b, to, bytes("seventeen bytes!!")),
                                            udp::send_message(b, to, bytes("two"))})));
  std::vector<std::string> received;
  REQUIRE(f.pump_until([&] {
    while (auto g = client.receive()) received.push_back(g->bytes);
    return received.size() == 2 && watch.errors.size() == 1;
  }));
  CHECK(received == std::vector<std::string>{"one", "two"});
  CHECK(watch.errors[0] == rec("udp.error", b, to, "datagram of 17 bytes is longer than MAX (16)"));
  CHECK(f.logged("junk"));
  f.v.send(rec("udp.sends", "not a list"));
  f.v.run();
  CHECK(f.logged("want udp.sends"));
  // The batch subscriber was the socket's only taker: when it leaves, the
  // socket goes.
  f.v.send(sym("leave"));
  REQUIRE(f.pump_until([&] { return !watch.port.has_value(); }));
  REQUIRE(f.pump_until([&] { return can_bind(port); }, 5s));
}
