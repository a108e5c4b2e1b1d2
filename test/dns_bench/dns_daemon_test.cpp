// A daemon of the dns benchmark is stopped when its object goes, with
// whatever it forked; its log and CPU time can be read meanwhile.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "dns_daemon.hpp"
#include "proc_stat.hpp"

using namespace agora_bench;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// A temporary directory for the test's log, removed afterwards.
struct scratch {
  fs::path dir = fs::temp_directory_path() / ("agora-dns-bench-test-" + std::to_string(getpid()) + "-" +
                                              std::to_string(std::random_device{}()));
  scratch() { fs::create_directory(dir); }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

/// The first line of `log` once there is one (5 s at most).
std::string first_line(const fs::path& log) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(log);
    std::string l;
    if (std::getline(in, l) && !l.empty()) return l;
    std::this_thread::sleep_for(10ms);
  }
  return "";
}

/// Alive: there is such a process and it is not a zombie.
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("dns daemon: its output goes to the log, and it and the process it forked are gone after it") {
  scratch s;
  const auto log = s.dir / "d.log";
  pid_t daemon_pid = 0, forked = 0;
  {
    // A shell that forks a sleeper, says its pid and waits: SIGTERM ends
    // the shell, not the sleeper (the case of a daemon's leftover child).
    dns_daemon d("sleeper", {"/bin/sh", "-c", "sleep 60 & echo $!; wait"}, log, 1234);
    CHECK(d.name() == "sleeper");
    CHECK(d.port() == 1234);
    daemon_pid = d.pid();
    const auto line = first_line(log);
    REQUIRE_FALSE(line.empty());
    forked = static_cast<pid_t>(std::stol(line));
    CHECK(alive(daemon_pid));
    CHECK(alive(forked));
    CHECK(d.cpu_seconds() >= 0);
    CHECK(d.log_tail().find(line) != std::string::npos);
    const auto t = read_proc_times(forked);
    REQUIRE(t);
    CHECK(t->parent == daemon_pid);  // exec'ed: the shell that started it is gone, the pid is the daemon's
  }
  for (int i = 0; i < 200 && alive(forked); ++i) std::this_thread::sleep_for(10ms);  // SIGKILL is not instant
  CHECK_FALSE(alive(daemon_pid));
  CHECK_FALSE(alive(forked));
}

TEST_CASE("dns daemon: a daemon that exited is told as gone, with its log") {
  scratch s;
  dns_daemon d("quitter", {"/bin/sh", "-c", "echo bye; exit 3"}, s.dir / "q.log", 1);
  REQUIRE(first_line(s.dir / "q.log") == "bye");
  // Not reaped yet (a zombie still has its stat), so wait for its exit the hard way: its state.
  for (int i = 0; i < 200 && alive(d.pid()); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(alive(d.pid()));
  CHECK(d.log_tail().find("bye") != std::string::npos);
}

#ifdef AGORA_UDP_FLOOR_BIN
#include "dns_probe.hpp"
#include "loopback_port.hpp"

TEST_CASE("agora-udp-floor: answers every query with the query itself, QR set") {
  scratch s;
  const auto port = free_loopback_port();
  dns_daemon floor("agora-udp-floor", {AGORA_UDP_FLOOR_BIN, "--port", std::to_string(port)}, s.dir / "floor.log",
                   port);
  // A reply to the question (QR set, same ID and question) with no records.
  CHECK_FALSE(wait_for_reply(port, "h7.agora-bench.", 5000ms));
  const auto p = dns_address_problem(port, "h7.agora-bench.", {10, 0, 0, 7}, 2000ms);
  REQUIRE(p);
  CHECK(*p == "answered [], not 10.0.0.7");
}
#endif
