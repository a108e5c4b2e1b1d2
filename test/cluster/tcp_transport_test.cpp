// tcp_transport over plain TCP on 127.0.0.1: two transports on one
// io_context (run by this thread), and plain sockets for peers that
// misbehave.
#include <doctest/doctest.h>

#include <boost/asio/post.hpp>

#include <numeric>
#include <stdexcept>
#include <thread>

#include "transport_harness.hpp"

using namespace transport_test;

namespace {

/// A listening node and a dialing node, connected.
struct pair_fixture {
  explicit pair_fixture(tcp_transport_options a_options = {}, tcp_transport_options b_options = {})
      : a(io, std::move(a_options)), b(io, std::move(b_options)) {
    address = a.listen();
    b_conn = b.connect(address);
    REQUIRE(run_until(io, [&] { return !b.events.connected.empty() && !a.events.accepted.empty(); }));
    a_conn = a.events.accepted.front().first;
  }
  ~pair_fixture() {
    CHECK(a.events.reentrant == 0);
    CHECK(b.events.reentrant == 0);
    CHECK(a.events.after_end == 0);
    CHECK(b.events.after_end == 0);
  }
  boost::asio::io_context io{1};
  node a, b;
  std::string address;
  conn_id a_conn = 0, b_conn = 0;
};

}  // namespace

TEST_CASE("tcp_transport: two transports exchange frames both ways") {
  pair_fixture f;
  CHECK(f.address.rfind("127.0.0.1:", 0) == 0);
  CHECK(port_of(f.address) != 0);
  CHECK(f.b.events.connected == std::vector<conn_id>{f.b_conn});
  CHECK(f.a.events.accepted.front().second.rfind("127.0.0.1:", 0) == 0);
  f.b.send(f.b_conn, "hello");
  f.b.send(f.b_conn, "");  // an empty frame is a frame
  REQUIRE(run_until(f.io, [&] { return f.a.events.frames[f.a_conn].size() == 2; }));
  f.a.send(f.a_conn, "world");
  REQUIRE(run_until(f.io, [&] { return f.b.events.frames[f.b_conn].size() == 1; }));
  CHECK(f.a.events.frames[f.a_conn] == std::vector<std::string>{"hello", ""});
  CHECK(f.b.events.frames[f.b_conn] == std::vector<std::string>{"world"});
  REQUIRE(run_until(f.io, [&] { return !f.b.events.sent[f.b_conn].empty(); }));
  CHECK(f.b.events.sent[f.b_conn].back() == 0);
  const auto sa = f.a.transport.stats(f.a_conn), sb = f.b.transport.stats(f.b_conn);
  REQUIRE(sa);
  REQUIRE(sb);
  CHECK(sa->frames_in == 2);
  CHECK(sa->bytes_in == 4 + 5 + 4);
  CHECK(sb->frames_out == 2);
  CHECK(sb->bytes_out == 4 + 5 + 4);
  CHECK(sb->writes >= 1);
}

TEST_CASE("tcp_transport: frames sent before on_connected go out once the connection is up") {
  boost::asio::io_context io{1};
  node a(io), b(io);
  const auto address = a.listen();
  const conn_id c = b.connect(address);
  b.send(c, "early 1");
  b.send(c, "early 2");
  CHECK(b.transport.queued(c) == 2 * (4 + 7));
  REQUIRE(run_until(io, [&] { return a.events.frame_count() == 2; }));
  CHECK(a.events.frames.begin()->second == std::vector<std::string>{"early 1", "early 2"});
  CHECK(b.events.connected == std::vector<conn_id>{c});
  CHECK(b.events.reentrant == 0);
}

TEST_CASE("tcp_transport: large frames, up to the limit") {
  pair_fixture f;
  const std::size_t big = 8u << 20;
  f.a.transport.set_limits(f.a_conn, {.max_frame = big});
  f.b.transport.set_limits(f.b_conn, {.max_frame = big});
  const auto one = pattern(big, 1), two = pattern(big - 1, 2), three = pattern(100'000, 3);
  f.b.send(f.b_conn, one);
  f.b.send(f.b_conn, three);
  f.a.send(f.a_conn, two);
  REQUIRE(run_until(f.io, [&] {
    return f.a.events.frames[f.a_conn].size() == 2 && f.b.events.frames[f.b_conn].size() == 1;
  }));
  CHECK(f.a.events.frames[f.a_conn][0] == one);  // exactly the limit
  CHECK(f.a.events.frames[f.a_conn][1] == three);
  CHECK(f.b.events.frames[f.b_conn][0] == two);
  CHECK(f.a.events.closed.empty());
  CHECK(f.b.events.closed.empty());
}

TEST_CASE("tcp_transport: many small frames go out in few writes, in order, exactly counted") {
  pair_fixture f;
  constexpr int count = 1000;
  std::size_t total = 0;
  for (int i = 0; i < count; ++i) {
    const std::string text = "frame " + std::to_string(i);
    total += 4 + text.size();
    f.b.send(f.b_conn, text);
  }
  CHECK(f.b.transport.queued(f.b_conn) == total);
  REQUIRE(run_until(f.io, [&] { return f.a.events.frames[f.a_conn].size() == count; }));
  REQUIRE(run_until(f.io, [&] {
    auto& s = f.b.events.sent[f.b_conn];
    return !s.empty() && s.back() == 0;
  }));
  for (int i = 0; i < count; ++i) CHECK(f.a.events.frames[f.a_conn][static_cast<std::size_t>(i)] == "frame " + std::to_string(i));
  const auto sb = f.b.transport.stats(f.b_conn);
  REQUIRE(sb);
  CHECK(sb->frames_out == count);
  CHECK(sb->bytes_out == total);
  CHECK(sb->writes * 10 <= sb->frames_out);  // batched: many frames per write
  CHECK(f.b.events.sent[f.b_conn].size() == sb->writes);
  CHECK(f.b.transport.queued(f.b_conn) == 0);
  const auto sa = f.a.transport.stats(f.a_conn);
  REQUIRE(sa);
  CHECK(sa->frames_in == count);
  CHECK(sa->bytes_in == total);
}

TEST_CASE("tcp_transport: a frame over the limit ends the connection with too_long") {
  pair_fixture f;
  f.b.send(f.b_conn, "fine");
  f.b.send(f.b_conn, std::string(5000, 'x'));  // the default limit is 4096
  f.b.send(f.b_conn, "never delivered");
  REQUIRE(run_until(f.io, [&] { return f.a.events.closed.count(f.a_conn) && f.b.events.closed.count(f.b_conn); }));
  CHECK(f.a.events.frames[f.a_conn] == std::vector<std::string>{"fine"});
  CHECK(f.a.events.reason(f.a_conn) == R"(too_long("frame of 5000 bytes exceeds the limit of 4096 bytes"))");
  CHECK(f.a.transport.stats(f.a_conn) == std::nullopt);
  const auto why = f.b.events.reason(f.b_conn);
  CHECK((why == "eof" || why == "reset"));
}

TEST_CASE("tcp_transport: a limit raised inside on_frame covers the next frame, already received") {
  pair_fixture f;
  f.a.events.frame_hook = [&](conn_id c, std::span<const std::byte> frame) {
    if (frame.size() == 5) f.a.call([&](tcp_transport& t) { t.set_limits(c, {.max_frame = 1 << 20}); });
  };
  // Sent together: both frames arrive in one read, most likely.
  f.b.send(f.b_conn, "raise");
  f.b.send(f.b_conn, std::string(100'000, 'y'));
  REQUIRE(run_until(f.io, [&] { return f.a.events.frames[f.a_conn].size() == 2 || f.a.events.closed.count(f.a_conn); }));
  CHECK(f.a.events.closed.empty());
  CHECK(f.a.events.frames[f.a_conn].size() == 2);
}

TEST_CASE("tcp_transport: delivering a read's frames yields to other handlers once it took its time bound") {
  pair_fixture f;
  // Each frame takes longer to apply than the bound (5 ms): after the first,
  // a handler posted meanwhile runs before the next is delivered, and
  // everything still arrives, in order.
  std::vector<std::string> seen;
  f.a.events.frame_hook = [&](conn_id, std::span<const std::byte> frame) {
    seen.emplace_back(reinterpret_cast<const char*>(frame.data()), frame.size());
    if (seen.size() == 1) boost::asio::post(f.io, [&] { seen.push_back("posted"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(6));
  };
  for (int i = 0; i < 5; ++i) f.b.send(f.b_conn, "frame " + std::to_string(i));  // one write, one read
  REQUIRE(run_until(f.io, [&] { return f.a.events.frames[f.a_conn].size() == 5; }));
  REQUIRE(seen.size() == 6);
  CHECK(seen[0] == "frame 0");
  CHECK(seen[1] == "posted");
  for (int i = 1; i < 5; ++i) CHECK(seen[static_cast<std::size_t>(i) + 1] == "frame " + std::to_string(i));
  // The link reads on afterwards.
  f.b.send(f.b_conn, "later");
  REQUIRE(run_until(f.io, [&] { return f.a.events.frames[f.a_conn].size() == 6; }));
}

TEST_CASE("tcp_transport: an absurd announced length ends the connection at once") {
  boost::asio::io_context io{1};
  node a(io);
  const auto address = a.listen();
  raw_client client(port_of(address));
  REQUIRE(client.connected);
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 1; }));
  const conn_id c = a.events.accepted.front().first;
  client.send_bytes("\xff\xff\xff\xff" "abc");
  REQUIRE(run_until(io, [&] { return a.events.closed.count(c) == 1; }));
  CHECK(a.events.reason(c) == R"(too_long("frame of 4294967295 bytes exceeds the limit of 4096 bytes"))");
  CHECK(a.events.frames.empty());
  CHECK(a.events.reentrant == 0);
}

TEST_CASE("tcp_transport: a peer's reset and a peer's eof") {
  boost::asio::io_context io{1};
  node a(io);
  const auto address = a.listen();
  raw_client resetting(port_of(address)), ending(port_of(address)), mid_frame(port_of(address));
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 3; }));
  resetting.send_frame("before the reset");
  ending.send_frame("before the eof");
  REQUIRE(run_until(io, [&] { return a.events.frame_count() == 2; }));
  resetting.reset();
  ending.close();
  mid_frame.send_bytes(std::string("\0\0\0\x10" "only part", 13));
  mid_frame.close();
  REQUIRE(run_until(io, [&] { return a.events.closed.size() == 3; }));
  std::multiset<std::string> reasons;
  for (auto& [c, why] : a.events.closed) reasons.insert(why);
  CHECK(reasons == std::multiset<std::string>{"reset", "eof", "eof"});
  CHECK(a.events.after_end == 0);
}

TEST_CASE("tcp_transport: a refused connect") {
  boost::asio::io_context io{1};
  node b(io);
  const conn_id c = b.connect("127.0.0.1:" + std::to_string(unused_port()));
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  CHECK(b.events.reason(c) == "refused");
  CHECK(b.events.connected.empty());
  CHECK(b.events.reentrant == 0);
}

TEST_CASE("tcp_transport: a connect timeout") {
  // A listener with a full accept queue (backlog 0, one connection waiting)
  // drops further SYNs on Linux: a connect to it hangs.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = v4("127.0.0.1", 0);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  REQUIRE(::listen(listener, 0) == 0);
  const std::uint16_t port = ntohs(a.sin_port);
  raw_client first(port);
  REQUIRE(first.connected);
  // Does a further connect hang here? (If not, this test cannot be made.)
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ::connect(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
  pollfd p{probe, POLLOUT, 0};
  const bool hangs = ::poll(&p, 1, 300) == 0;
  ::close(probe);
  if (!hangs) {
    ::close(listener);
    MESSAGE("skipped: a loopback connect to a full accept queue does not hang here");
    return;
  }
  boost::asio::io_context io{1};
  node b(io, {.connect_timeout = 200ms});
  const conn_id c = b.connect("127.0.0.1:" + std::to_string(port));
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  CHECK(b.events.reason(c) == "timeout");
  CHECK(b.events.connected.empty());
  ::close(listener);
}

TEST_CASE("tcp_transport: malformed addresses") {
  boost::asio::io_context io{1};
  node b(io);
  for (const char* bad : {"nonsense", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1",
                          ":80", "::1:80", "[::1:80", "127.0.0.1:8o"}) {
    const conn_id c = b.connect(bad);
    CHECK(b.events.closed.count(c) == 0);  // not from inside the call
    REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
    CHECK(b.events.reason(c).rfind("error(\"cannot dial", 0) == 0);
  }
  for (const char* bad : {"nonsense", "localhost:0", "127.0.0.1:65536", "127.0.0.1"}) {
    CHECK_THROWS_AS(b.listen(bad), std::runtime_error);
  }
  const auto taken = b.listen();
  CHECK_THROWS_WITH_AS(b.listen(taken), doctest::Contains("bind"), std::runtime_error);
  CHECK(b.events.reentrant == 0);
}

TEST_CASE("tcp_transport: send rejects a frame whose prefix is wrong") {
  boost::asio::io_context io{1};
  node b(io);
  const conn_id c = b.connect("127.0.0.1:" + std::to_string(unused_port()));
  CHECK_THROWS_AS(b.transport.send(c, std::vector<std::byte>(3)), std::invalid_argument);
  auto wire = wire_of("abc");
  wire[3] = std::byte{4};
  CHECK_THROWS_AS(b.transport.send(c, wire), std::invalid_argument);
  CHECK(b.transport.queued(c) == 0);
  std::vector<std::byte> tiny(2);
  CHECK_THROWS_AS(put_frame_length(tiny), std::length_error);
  b.transport.send(c + 1000, wire_of("to nobody"));  // unknown: ignored
  CHECK(b.transport.queued(c + 1000) == 0);
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
}

TEST_CASE("tcp_transport: the allow list") {
  boost::asio::io_context io{1};
  node a(io, {.allow = {"127.0.0.2"}}), b(io);
  const auto address = a.listen();
  // From 127.0.0.1: refused, logged, never reported.
  const conn_id c = b.connect(address);
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  const auto why = b.events.reason(c);
  CHECK((why == "reset" || why == "eof"));
  CHECK(a.events.accepted.empty());
  CHECK(a.logged("refused a connection from 127.0.0.1:"));
  CHECK(a.logged("not in the allow list"));
  // From 127.0.0.2: accepted.
  raw_client allowed(port_of(address), "127.0.0.2");
  REQUIRE(allowed.connected);
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 1; }));
  CHECK(a.events.accepted.front().second.rfind("127.0.0.2:", 0) == 0);
  allowed.send_frame("let in");
  REQUIRE(run_until(io, [&] { return a.events.frame_count() == 1; }));
  CHECK_THROWS_AS(node(io, {.allow = {"not-an-ip"}}), std::invalid_argument);
}

TEST_CASE("tcp_transport: close with flush delivers everything before the close") {
  pair_fixture f;
  constexpr int count = 200;  // 12.8 MiB: far more than the socket buffers hold
  const std::string chunk = pattern(64 * 1024, 5);
  f.a.transport.set_limits(f.a_conn, {.max_frame = 1 << 20});
  for (int i = 0; i < count; ++i) f.b.send(f.b_conn, std::to_string(i) + chunk);
  f.b.close(f.b_conn, true);
  CHECK(f.b.events.closed.empty());  // later, not from inside the call
  f.b.close(f.b_conn, true);         // again: the drain goes on
  f.b.send(f.b_conn, "after the close: dropped");
  REQUIRE(run_until(f.io, [&] { return f.a.events.closed.count(f.a_conn) && f.b.events.closed.count(f.b_conn); }));
  CHECK(f.b.events.reason(f.b_conn) == "closed");
  CHECK(f.a.events.reason(f.a_conn) == "eof");
  REQUIRE(f.a.events.frames[f.a_conn].size() == count);
  for (int i = 0; i < count; ++i)
    CHECK(f.a.events.frames[f.a_conn][static_cast<std::size_t>(i)] == std::to_string(i) + chunk);
  CHECK(f.a.events.order.back() == "closed " + std::to_string(f.a_conn) + " eof");
  CHECK(f.b.events.sent[f.b_conn].empty());  // nothing but on_closed after close()
}

TEST_CASE("tcp_transport: a flushing close gives up after the drain timeout on a peer that does not read") {
  boost::asio::io_context io{1};
  node a(io, {.drain_timeout = 200ms});
  const auto address = a.listen();
  raw_client idle(port_of(address));  // never reads
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 1; }));
  const conn_id c = a.events.accepted.front().first;
  const std::string chunk(1 << 20, 'w');
  for (int i = 0; i < 64; ++i) a.send(c, chunk);  // far more than the socket buffers hold
  a.close(c, true);
  REQUIRE(run_until(io, [&] { return a.events.closed.count(c) == 1; }));
  CHECK(a.events.reason(c) == "closed");
  CHECK(a.logged("bytes still queued after the drain timeout of 200 ms"));
  CHECK(a.events.reentrant == 0);
  CHECK(a.events.after_end == 0);
}

TEST_CASE("tcp_transport: close without flush cuts a flushing close short") {
  boost::asio::io_context io{1};
  node a(io, {.drain_timeout = 60s});
  const auto address = a.listen();
  raw_client idle(port_of(address));
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 1; }));
  const conn_id c = a.events.accepted.front().first;
  for (int i = 0; i < 64; ++i) a.send(c, std::string(1 << 20, 'w'));
  a.close(c, true);
  run_for(io, 20ms);
  CHECK(a.events.closed.empty());  // still draining
  CHECK(a.transport.queued(c) > 0);
  a.close(c, false);
  REQUIRE(run_until(io, [&] { return a.events.closed.count(c) == 1; }));
  CHECK(a.events.reason(c) == "closed");
  CHECK(a.transport.queued(c) == 0);
}

TEST_CASE("tcp_transport: close without flush ends at once, nothing more arrives for it") {
  pair_fixture f;
  f.a.events.frame_hook = [&](conn_id c, std::span<const std::byte>) {
    if (f.a.events.frames[c].size() == 1) f.a.close(c, false);
  };
  for (int i = 0; i < 100; ++i) f.b.send(f.b_conn, "frame " + std::to_string(i));
  REQUIRE(run_until(f.io, [&] { return f.a.events.closed.count(f.a_conn) && f.b.events.closed.count(f.b_conn); }));
  CHECK(f.a.events.frames[f.a_conn].size() == 1);  // the rest was in the same read, and dropped
  CHECK(f.a.events.reason(f.a_conn) == "closed");
  const auto why = f.b.events.reason(f.b_conn);
  CHECK((why == "eof" || why == "reset"));
  CHECK(f.a.transport.queued(f.a_conn) == 0);
  f.a.send(f.a_conn, "to a closed connection: ignored");
  f.a.close(f.a_conn, true);  // ignored
  run_for(f.io, 20ms);
}

TEST_CASE("tcp_transport: close of a connection that is still dialing") {
  boost::asio::io_context io{1};
  node a(io), b(io);
  const auto address = a.listen();
  const conn_id c = b.connect(address);
  b.close(c, true);
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  CHECK(b.events.reason(c) == "closed");
  CHECK(b.events.connected.empty());
  run_for(io, 20ms);
  CHECK(b.events.after_end == 0);
  CHECK(b.events.reentrant == 0);
}

TEST_CASE("tcp_transport: stop() flushes what is queued, closes the listener, and reports nothing") {
  pair_fixture f;
  constexpr int count = 100;
  const std::string chunk = pattern(64 * 1024, 9);
  f.b.transport.set_limits(f.b_conn, {.max_frame = 1 << 20});
  for (int i = 0; i < count; ++i) f.a.send(f.a_conn, chunk);
  // A second connection, still dialing when the transport stops.
  const conn_id dialing = f.a.connect("127.0.0.1:" + std::to_string(port_of(f.b.listen())));
  const auto events_before = f.a.events.order.size();
  f.a.stop();
  REQUIRE(run_until(f.io, [&] { return f.b.events.closed.count(f.b_conn) == 1; }));
  CHECK(f.b.events.frames[f.b_conn].size() == count);
  CHECK(f.b.events.reason(f.b_conn) == "eof");
  CHECK(f.a.events.order.size() == events_before);  // no event after stop()
  CHECK(f.a.events.closed.count(dialing) == 0);
  // The listener is gone.
  const conn_id again = f.b.connect(f.address);
  REQUIRE(run_until(f.io, [&] { return f.b.events.closed.count(again) == 1; }));
  CHECK(f.b.events.reason(again) == "refused");
  // Calls after stop() change nothing.
  f.a.send(f.a_conn, "late");
  f.a.close(f.a_conn, false);
  const conn_id late = f.a.connect(f.address);
  CHECK_THROWS_AS(f.a.listen(), std::runtime_error);
  f.a.stop();
  run_for(f.io, 50ms);
  CHECK(f.a.events.order.size() == events_before);
  CHECK(f.a.events.closed.count(late) == 0);
}

TEST_CASE("tcp_transport: stop() from inside an event handler, and the destructor with drains pending") {
  boost::asio::io_context io{1};
  node b(io);
  const std::string chunk = pattern(256 * 1024, 4);
  conn_id a_conn = 0;
  {
    node a(io);
    const auto address = a.listen();
    a.events.frame_hook = [&](conn_id c, std::span<const std::byte>) {
      for (int i = 0; i < 20; ++i) a.send(c, chunk);  // 5 MiB queued ...
      a.stop();                                       // ... and flushed by stop()
    };
    const conn_id c = b.connect(address);
    b.transport.set_limits(c, {.max_frame = 1 << 20});
    b.send(c, "go");
    REQUIRE(run_until(io, [&] { return !a.events.frames.empty(); }));
    a_conn = a.events.frames.begin()->first;
    CHECK(a.events.frames.begin()->second.size() == 1);
    CHECK(a.events.reentrant == 0);
  }  // the transport goes while its drain is under way
  REQUIRE(run_until(io, [&] { return b.events.closed.size() == 1; }));
  const conn_id c = b.events.closed.begin()->first;
  CHECK(b.events.frames[c].size() == 20);
  CHECK(b.events.reason(c) == "eof");
  CHECK(a_conn != 0);
  CHECK(run_to_idle(io));
}

TEST_CASE("tcp_transport: connect by name, and IPv6 loopback where there is one") {
  boost::asio::io_context io{1};
  node a(io), b(io);
  const auto address = a.listen("127.0.0.1:0");
  const conn_id c = b.connect("localhost:" + std::to_string(port_of(address)));
  REQUIRE(run_until(io, [&] { return b.events.connected.size() == 1 || b.events.closed.count(c); }));
  CHECK(b.events.connected == std::vector<conn_id>{c});
  std::string v6;
  try {
    v6 = a.listen("[::1]:0");
  } catch (const std::runtime_error& e) {
    MESSAGE("no IPv6 loopback here: " << e.what());
    return;
  }
  CHECK(v6.rfind("[::1]:", 0) == 0);
  const conn_id c6 = b.connect(v6);
  REQUIRE(run_until(io, [&] { return b.events.connected.size() == 2 || b.events.closed.count(c6); }));
  CHECK(b.events.connected.back() == c6);
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 2; }));
  CHECK(a.events.accepted.back().second.rfind("[::1]:", 0) == 0);
}
