// agora::ground: exit codes, orderly shutdown on SIGTERM, forced shutdown
// of a VM that hangs, posted turns. Signals are tested on a child process
// (test/programs/ground_probe.cpp) so this test program is never signalled.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agora/ground.hpp"
#include "agora/text.hpp"

extern char** environ;

using namespace agora;
using namespace std::chrono_literals;

namespace {

/// A running ground_probe with its stdout on a pipe.
struct probe {
  explicit probe(const char* mode) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char* argv[] = {const_cast<char*>(AGORA_GROUND_PROBE), const_cast<char*>(mode), nullptr};
    REQUIRE(posix_spawn(&pid, AGORA_GROUND_PROBE, &fa, nullptr, argv, environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    out = fds[0];
  }
  ~probe() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(out);
  }

  /// Reads until `needle` appears in the output (or 10 s pass).
  bool wait_for_output(const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (text.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      auto n = read(out, buf, sizeof buf);
      if (n <= 0) return text.find(needle) != std::string::npos;
      text.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Waits for the exit (10 s at most); returns the exit code, or -1.
  int exit_code() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      wait_for_output("\x01");  // drain output meanwhile (returns at EOF or after 10 s)
    }
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t pid = -1;
  int out = -1;
  std::string text;
};

}  // namespace

TEST_CASE("ground: the exit code follows how the root stopped") {
  CHECK(probe("quit").exit_code() == 0);
  CHECK(probe("crash").exit_code() == 1);
  CHECK(probe("exit7").exit_code() == 7);
}

TEST_CASE("ground: SIGTERM shuts down in order, everyone sees reason shutdown, exit 0") {
  probe p("serve");
  REQUIRE(p.wait_for_output("ready"));
  REQUIRE(p.wait_for_output("service +svc(1)"));
  kill(p.pid, SIGTERM);
  CHECK(p.exit_code() == 0);
  // The ground's service saw the nested user's meta-level endpoint go with
  // reason shutdown, and the user's sibling in the nested VM saw it too.
  CHECK(p.text.find("service -svc(1) shutdown") != std::string::npos);
  CHECK(p.text.find("peer -user shutdown") != std::string::npos);
}

TEST_CASE("ground: a VM whose handler never returns is forced within the timeout") {
  probe p("hang");
  REQUIRE(p.wait_for_output("ready"));
  std::this_thread::sleep_for(100ms);  // the user is spinning now
  auto t0 = std::chrono::steady_clock::now();
  kill(p.pid, SIGINT);
  CHECK(p.exit_code() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 8s);  // timeout is 300 ms; generous bound
}

TEST_CASE("ground: turns posted from another thread run as turns of their actor, in order") {
  ground g({.handle_signals = false});
  std::vector<std::int64_t> seen;
  std::thread poster;
  actor<> root{{}, "root"};
  // What a posted turn sends reaches the root's own endpoint.
  root.on_message("seen($n)"_t, [&](turn<>& t, const message& m) {
    seen.push_back(m["n"].as_int());
    if (seen.size() == 100) t.quit();
  });
  root.on_start([&](turn<>& t) {
    poster = std::thread([&g, self = t.self()] {
      for (int i = 0; i < 100; ++i)
        g.post(self, [self, i](turn_base& t) {
          if (t.self() == self) t.send(rec("seen", i));
        });
    });
  });
  CHECK(g.run(root) == 0);
  poster.join();
  REQUIRE(seen.size() == 100);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == static_cast<std::int64_t>(i));
}

TEST_CASE("ground: its VM runs on the I/O thread, nested VMs, taps and handles reach it") {
  ground g({.handle_signals = false});
  std::thread::id vm_thread, worker_thread;
  std::atomic<bool> io_is_vm_thread{false};
  std::vector<std::int64_t> done;
  std::string crash;

  // A nested VM (a CAF actor) whose worker serves job(N) at the ground.
  actor<> worker{{}, "worker"};
  worker.on_start([&](turn<>& t) {
    worker_thread = std::this_thread::get_id();
    t.meta().subscribe("job($n)"_t, {.on_message = [](turn<>& t, const message& m) {
                         if (m["n"].as_int() < 0) throw std::runtime_error("bad job");
                         t.meta().send(rec("done", m["n"]));
                       }});
  });
  g.spawn(nested_vm("jobs", {worker}));

  actor<> root{{}, "root"};
  root.on_start([&](turn<>&) {
    vm_thread = std::this_thread::get_id();
    boost::asio::post(g.io(), [&, id = vm_thread] { io_is_vm_thread = std::this_thread::get_id() == id; });
  });
  // The jobs go out once the worker is there and the watcher's tap is set.
  int ready = 0;
  auto start = [&ready](turn<>& t) {
    if (++ready < 2) return;
    for (int i = 0; i < 1000; ++i) t.send(rec("job", i));
    t.send(rec("job", -1));
  };
  root.on_message(rec("go"), [start](turn<>& t, const message&) { start(t); });
  root.publish("job(_)"_t, {.on_presence = [start](turn<>& t, const presence&) { start(t); },
                            .on_absence = [&](turn<>& t, const absence& a) {
                              crash = a.why.to_string();
                              t.quit();
                            }});
  root.on_message("done($n)"_t, [&](turn<>&, const message& m) { done.push_back(m["n"].as_int()); });

  // From another thread, through the handle: a tap on the ground VM.
  std::vector<tap_event> tapped;
  std::thread watcher([&] {
    vm_handle h;
    while (!(h = g.handle())) std::this_thread::sleep_for(1ms);
    tap dones(h, "done(_)"_t);
    h.send(rec("go"));  // posted after the tap: it is there when the jobs go
    while (auto e = dones.next(10s)) {
      tapped.push_back(*e);
      if (e->kind == tap_event::kind::message && e->topic == rec("done", 999)) break;
    }
  });
  CHECK(g.run(root) == 0);
  watcher.join();

  CHECK(io_is_vm_thread);
  CHECK(worker_thread != vm_thread);
  REQUIRE(done.size() == 1000);
  for (std::size_t i = 0; i < done.size(); ++i) CHECK(done[i] == static_cast<std::int64_t>(i));
  CHECK(crash == R"(crashed("bad job", vm("ground/jobs"), actor(0)))");
  REQUIRE(!tapped.empty());
  CHECK(tapped.back().topic == rec("done", 999));
}

TEST_CASE("ground: with nested_on_io_thread, nested VMs run on the I/O thread, semantics unchanged") {
  ground g({.nested_on_io_thread = true, .handle_signals = false});
  std::thread::id vm_thread;
  std::atomic<int> off_thread{0};
  std::vector<std::int64_t> done;
  std::string crash;

  actor<> worker{{}, "worker"};
  worker.on_start([&](turn<>& t) {
    t.at_ground().subscribe("job($n)"_t, {.on_message = [&](turn<>& t, const message& m) {
                         if (std::this_thread::get_id() != vm_thread) ++off_thread;
                         if (m["n"].as_int() < 0) throw std::runtime_error("bad job");
                         t.at_ground().send(rec("done", m["n"]));
                       }});
  });
  // Two levels deep, to see nesting within nesting stay on the thread too.
  g.spawn(nested_vm("outer", {nested_vm("jobs", {worker})}));

  actor<> root{{}, "root"};
  root.on_start([&](turn<>&) { vm_thread = std::this_thread::get_id(); });
  root.publish("job(_)"_t, {.on_presence =
                                [](turn<>& t, const presence&) {
                                  for (int i = 0; i < 1000; ++i) t.send(rec("job", i));
                                  t.send(rec("job", -1));
                                },
                            .on_absence = [&](turn<>& t, const absence& a) {
                              crash = a.why.to_string();
                              t.quit();
                            }});
  root.on_message("done($n)"_t, [&](turn<>&, const message& m) { done.push_back(m["n"].as_int()); });
  CHECK(g.run(root) == 0);

  CHECK(off_thread == 0);
  REQUIRE(done.size() == 1000);
  for (std::size_t i = 0; i < done.size(); ++i) CHECK(done[i] == static_cast<std::int64_t>(i));
  CHECK(crash == R"(crashed("bad job", vm("ground/outer/jobs"), actor(0)))");
}
