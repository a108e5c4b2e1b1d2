// echo: agora-echo (the real program, started as a child process) against a
// plain Boost.Asio echo server (asio_echo_server.cpp), both driven by the
// same load generator (echo_client.cpp) with 64 concurrent connections, in
// the same run:
//   round_trips_per_s   64 connections ping-ponging 64-byte messages
//   bytes_per_s         64 connections streaming 16 KiB writes and reading
//                       the echo concurrently (at most 256 KiB ahead of it)
//   *_ratio_vs_asio     agora / Asio for each; ratio_vs_asio: the lower of
//                       the two (target ≥ 0.8)
// With two CPUs or more, the load generator runs on CPU 0 and either server
// on CPU 1 (agora-echo inherits the pin when started): on a 2-core machine
// the two would otherwise share cores by chance, which made the ratio swing
// between 0.6 and 1.05 from one run to the next.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include <thread>

#include "asio_echo_server.hpp"
#include "cpu_pin.hpp"
#include "echo_client.hpp"
#include "report.hpp"

extern char** environ;

namespace agora_bench {

namespace {

/// agora-echo --port 0 as a child process; the port comes from its first
/// line, "agora-echo: listening on 127.0.0.1:PORT".
class echo_process {
 public:
  echo_process() {
#ifndef AGORA_ECHO_BIN
    throw std::runtime_error("agora-echo was not built (AGORA_BUILD_APPS=OFF)");
#else
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("echo: pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char* argv[] = {const_cast<char*>(AGORA_ECHO_BIN), const_cast<char*>("--host"),
                    const_cast<char*>("127.0.0.1"), const_cast<char*>("--port"),
                    const_cast<char*>("0"), nullptr};
    int rc = posix_spawn(&pid_, AGORA_ECHO_BIN, &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      throw std::runtime_error("echo: cannot start " AGORA_ECHO_BIN);
    }
    out_ = fds[0];
    port_ = read_port();
#endif
  }
  ~echo_process() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  std::uint16_t port() const noexcept { return port_; }

 private:
  std::uint16_t read_port() {
    std::string text;
    const std::string key = "listening on 127.0.0.1:";
    for (int waited = 0; waited < 100; ++waited) {  // 10 s
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      auto at = text.find(key);
      auto eol = at == std::string::npos ? at : text.find('\n', at);
      if (eol != std::string::npos)
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + key.size(), eol - at - key.size())));
    }
    throw std::runtime_error("echo: agora-echo did not report its port; output: " + text);
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

void bench_echo(const options& opt) {
  echo_load load;
  load.duration = std::chrono::milliseconds(opt.quick ? 200 : 1000);
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = cpus >= 2;
  // The child first: it must not inherit the baseline's listening socket.
  if (pin) pin_to_cpu(1);  // inherited by agora-echo
  echo_process ours;
  asio_echo_server plain(pin ? 1 : -1);
  if (pin) pin_to_cpu(0);  // the load generator
  struct restore {
    bool on;
    int n;
    ~restore() {
      if (on) unpin(n);
    }
  } restore_affinity{pin, cpus};

  double rt_ours = 0, rt_asio = 0, bytes_ours = 0, bytes_asio = 0;
  const int reps = opt.quick ? 1 : std::min(opt.reps, 5);
  for (int r = 0; r < reps; ++r) {  // alternating, best of each
    load.port = ours.port();
    rt_ours = std::max(rt_ours, echo_round_trips(load));
    bytes_ours = std::max(bytes_ours, echo_bytes(load));
    load.port = plain.port();
    rt_asio = std::max(rt_asio, echo_round_trips(load));
    bytes_asio = std::max(bytes_asio, echo_bytes(load));
  }
  emit("echo", "round_trips_per_s", rt_ours, "round trip/s");
  emit("echo", "asio_round_trips_per_s", rt_asio, "round trip/s");
  emit("echo", "round_trips_ratio_vs_asio", rt_ours / rt_asio, "ratio");
  emit("echo", "bytes_per_s", bytes_ours, "B/s");
  emit("echo", "asio_bytes_per_s", bytes_asio, "B/s");
  emit("echo", "bytes_ratio_vs_asio", bytes_ours / bytes_asio, "ratio");
  emit("echo", "ratio_vs_asio", std::min(rt_ours / rt_asio, bytes_ours / bytes_asio), "ratio");
}

}  // namespace agora_bench
