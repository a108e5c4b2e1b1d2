// The agora-dns launcher, before agora-dns exists: a program that exits at
// once, one that never answers, and — with nsd standing in for the proxy
// (same config, same port, after the nsd_server that wrote it stopped) —
// readiness, SIGSTOP/SIGCONT delivered and the SIGTERM stop with stderr
// kept.
#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "dns_client.hpp"
#include "dns_proxy_process.hpp"
#include "nsd_serving.hpp"
#include "socket_fd.hpp"

using namespace dns_process;
using namespace std::chrono_literals;

namespace {

/// Waits (at most 5 s) until /proc/PID/stat shows `state` (T: stopped,
/// S: sleeping).
bool eventually_in_state(pid_t pid, char state) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');  // the name may hold spaces
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == state) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace

TEST_CASE("dns proxy process: a program that exits before answering is reported with its status and stderr") {
  try {
    dns_proxy_process p("/bin/sh", {"-c", "echo 'agora-dns: --upstream: no port in \"x\"' >&2; exit 2"}, "127.0.0.1",
                        free_port(), 5s);
    FAIL("it did not throw");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("exited with 2 before answering") != std::string::npos);
    CHECK(what.find("agora-dns: --upstream: no port in \"x\"") != std::string::npos);
  }
}

TEST_CASE("dns proxy process: a program that never answers is stopped after the deadline") {
  try {
    dns_proxy_process p("/bin/sh", {"-c", "echo waiting >&2; exec sleep 30"}, "127.0.0.1", free_port(), 300ms);
    FAIL("it did not throw");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("did not answer on 127.0.0.1:") != std::string::npos);
    CHECK(what.find("within 300 ms") != std::string::npos);
    CHECK(what.find("waiting") != std::string::npos);
  }
}

TEST_CASE("dns proxy process: with nsd standing in, ready when it answers, SIGSTOP and SIGCONT reach it, SIGTERM stops it") {
  auto nsd = start_nsd();
  if (!nsd) return;
  const auto conf = (nsd->dir() / "nsd.conf").string();
  const std::uint16_t port = nsd->port();
  REQUIRE(nsd->stop() == 0);  // its files stay until `nsd` goes

  dns_proxy_process p("nsd", {"-d", "-c", conf}, "127.0.0.1", port);
  CHECK(p.port() == port);
  REQUIRE(p.pid() > 0);
  const dns_client c("127.0.0.1", port, 300ms);
  REQUIRE(c.query(ask("www.example.test.")).ok());

  // nsd's main process does not serve (its child does): the signals are
  // checked by the state the kernel shows, not by answers.
  p.signal(SIGSTOP);
  CHECK(eventually_in_state(p.pid(), 'T'));
  p.signal(SIGCONT);
  CHECK(eventually_in_state(p.pid(), 'S'));
  CHECK(c.query(ask("www.example.test.")).ok());
  CHECK(p.stop() == 0);
  CHECK(p.stderr_text().find("nsd started") != std::string::npos);
  CHECK(!c.query(ask("www.example.test.")).ok());
}
