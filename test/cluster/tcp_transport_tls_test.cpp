// tcp_transport with TLS 1.3 and mutual verification, on 127.0.0.1, with
// certificates made for the test (test_pki).
#include <doctest/doctest.h>

#include <stdexcept>

#include "test_pki.hpp"
#include "transport_harness.hpp"

using namespace transport_test;

namespace {

tcp_transport_options tls_with(const tls_files& files) {
  tcp_transport_options o;
  o.tls = files;
  return o;
}

}  // namespace

TEST_CASE("tcp_transport TLS: frames both ways, large and batched, and a flushed close") {
  test_pki pki;
  boost::asio::io_context io{1};
  node a(io, tls_with(pki.node_a)), b(io, tls_with(pki.node_b));
  const auto address = a.listen();
  const conn_id bc = b.connect(address);
  b.send(bc, "sent before the handshake");
  REQUIRE(run_until(io, [&] { return b.events.connected.size() == 1 && a.events.accepted.size() == 1; }));
  const conn_id ac = a.events.accepted.front().first;
  CHECK(a.events.accepted.front().second.rfind("127.0.0.1:", 0) == 0);

  const std::string big = pattern(3u << 20, 11);
  a.call([&](tcp_transport& t) { t.set_limits(ac, {.max_frame = 4u << 20}); });
  b.send(bc, big);
  for (int i = 0; i < 500; ++i) b.send(bc, "small " + std::to_string(i));
  a.send(ac, "reply");
  REQUIRE(run_until(io, [&] { return a.events.frames[ac].size() == 502 && b.events.frames[bc].size() == 1; }));
  CHECK(a.events.frames[ac][0] == "sent before the handshake");
  CHECK(a.events.frames[ac][1] == big);
  CHECK(a.events.frames[ac][501] == "small 499");
  CHECK(b.events.frames[bc] == std::vector<std::string>{"reply"});
  const auto sb = b.transport.stats(bc);
  REQUIRE(sb);
  CHECK(sb->frames_out == 502);
  CHECK(sb->writes * 10 <= sb->frames_out);

  // A flushed close over TLS: everything arrives, then the end.
  for (int i = 0; i < 50; ++i) b.send(bc, std::to_string(i) + big.substr(0, 100'000));
  b.close(bc, true);
  REQUIRE(run_until(io, [&] { return a.events.closed.count(ac) && b.events.closed.count(bc); }));
  CHECK(b.events.reason(bc) == "closed");
  CHECK(a.events.reason(ac) == "eof");
  REQUIRE(a.events.frames[ac].size() == 552);
  CHECK(a.events.frames[ac][551] == "49" + big.substr(0, 100'000));
  CHECK(a.events.reentrant == 0);
  CHECK(b.events.reentrant == 0);
  CHECK(a.events.after_end == 0);
  CHECK(b.events.after_end == 0);
  a.stop();
  CHECK(run_to_idle(io));  // nothing left behind
}

TEST_CASE("tcp_transport TLS: stop() drains over TLS too") {
  test_pki pki;
  boost::asio::io_context io{1};
  node a(io, tls_with(pki.node_a)), b(io, tls_with(pki.node_b));
  const conn_id bc = b.connect(a.listen());
  REQUIRE(run_until(io, [&] { return a.events.accepted.size() == 1 && b.events.connected.size() == 1; }));
  const conn_id ac = a.events.accepted.front().first;
  a.call([&](tcp_transport& t) { t.set_limits(ac, {.max_frame = 1 << 20}); });
  const std::string chunk = pattern(512 * 1024, 3);
  for (int i = 0; i < 10; ++i) b.send(bc, chunk);
  b.stop();
  REQUIRE(run_until(io, [&] { return a.events.closed.count(ac) == 1; }));
  CHECK(a.events.frames[ac].size() == 10);
  CHECK(a.events.reason(ac) == "eof");
  CHECK(b.events.closed.empty());
  a.stop();
  CHECK(run_to_idle(io));
}

TEST_CASE("tcp_transport TLS: a server certificate from another CA fails the dialer's handshake") {
  test_pki pki;
  boost::asio::io_context io{1};
  node a(io, tls_with(pki.node_a)), b(io, tls_with(pki.stranger));
  const conn_id c = b.connect(a.listen());
  b.send(c, "never delivered");
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  CHECK(b.events.connected.empty());
  CHECK(b.events.reason(c).rfind("error(\"tls: ", 0) == 0);
  CHECK(b.events.reason(c).find("certificate verify failed") != std::string::npos);
  // The acceptor's side fails too: logged, never reported.
  REQUIRE(run_until(io, [&] { return a.logged("failed before it was up"); }));
  CHECK(a.logged("tls: "));
  CHECK(a.events.accepted.empty());
  CHECK(a.events.frames.empty());
  CHECK(b.events.reentrant == 0);
}

TEST_CASE("tcp_transport TLS: a client certificate from another CA is refused by the acceptor") {
  test_pki pki;
  boost::asio::io_context io{1};
  auto client = pki.stranger;
  client.ca_file = pki.node_a.ca_file;  // trusts the server, but is not trusted
  node a(io, tls_with(pki.node_a)), b(io, tls_with(client));
  const conn_id c = b.connect(a.listen());
  b.send(c, "never delivered");
  // In TLS 1.3 the client may finish its handshake before the server has
  // checked the client's certificate: then it sees the refusal as the end
  // of a connection that came up.
  REQUIRE(run_until(io, [&] { return b.events.closed.count(c) == 1; }));
  REQUIRE(run_until(io, [&] { return a.logged("failed before it was up"); }));
  CHECK(a.logged("tls: "));
  CHECK(a.events.accepted.empty());
  CHECK(a.events.frames.empty());
  CHECK(b.events.frames.empty());
  const auto why = b.events.reason(c);
  CHECK((why.rfind("error(\"tls: ", 0) == 0 || why == "eof" || why == "reset"));
}

TEST_CASE("tcp_transport TLS: a plain-TCP peer, and a peer that never starts the handshake") {
  test_pki pki;
  boost::asio::io_context io{1};
  auto options = tls_with(pki.node_a);
  options.connect_timeout = 200ms;
  node a(io, options);
  const auto address = a.listen();
  raw_client plain(port_of(address));
  plain.send_frame("no TLS here");
  REQUIRE(run_until(io, [&] { return a.logged("failed before it was up"); }));
  raw_client silent(port_of(address));
  REQUIRE(silent.connected);
  REQUIRE(run_until(io, [&] { return a.logged("failed before it was up: timeout"); }));
  CHECK(a.events.accepted.empty());
  CHECK(a.events.closed.empty());
}

TEST_CASE("tcp_transport TLS: files that cannot be used are named") {
  test_pki pki;
  boost::asio::io_context io{1};
  auto missing = pki.node_a;
  missing.certificate_file = pki.dir + "/nope.pem";
  CHECK_THROWS_WITH_AS(tcp_transport(io, tls_with(missing)), doctest::Contains("nope.pem"), std::runtime_error);
  auto mismatched = pki.node_a;
  mismatched.private_key_file = pki.node_b.private_key_file;
  CHECK_THROWS_WITH_AS(tcp_transport(io, tls_with(mismatched)), doctest::Contains("node-b.key"),
                       std::runtime_error);
  auto no_ca = pki.node_a;
  no_ca.ca_file = pki.dir + "/no-ca.pem";
  CHECK_THROWS_WITH_AS(tcp_transport(io, tls_with(no_ca)), doctest::Contains("no-ca.pem"), std::runtime_error);
}
