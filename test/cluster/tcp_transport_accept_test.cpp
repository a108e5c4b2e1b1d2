// tcp_transport's accept loop when the process runs out of descriptors.
#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>

#include "descriptor_exhaustion.hpp"
#include "transport_harness.hpp"

using namespace transport_test;

// Under ASan/UBSan the sanitizer runtime itself needs descriptors: the
// exhaustion is tested in the normal build only (as in the TCP driver's
// tests).
#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("tcp_transport: descriptor exhaustion — accept pauses, logs once, and recovers" *
          doctest::skip(true)) {
  MESSAGE("skipped under sanitizers: their runtime needs free descriptors");
}
#else
TEST_CASE("tcp_transport: descriptor exhaustion — accept pauses, logs once, and recovers") {
  boost::asio::io_context io{1};
  node a(io);
  const auto address = a.listen();
  agora_test::descriptor_exhaustion exhausted;
  raw_client client(port_of(address));
  REQUIRE(client.connected);  // the kernel completed the handshake
  REQUIRE(run_until(io, [&] { return a.logged("Too many open files"); }));
  run_for(io, 300ms);
  CHECK(a.events.accepted.empty());
  std::size_t episodes = 0;
  for (auto& l : *a.lines) episodes += l.find("Too many open files") != std::string::npos;
  CHECK(episodes == 1);  // logged once, retried quietly
  // Descriptors come back: the waiting connection is accepted.
  exhausted.release();
  client.send_frame("back");
  REQUIRE(run_until(io, [&] { return a.events.frame_count() == 1; }));
  CHECK(a.events.accepted.size() == 1);
  CHECK(a.logged("accepting on " + address + " again"));
}
#endif
