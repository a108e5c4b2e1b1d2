#include "dns_daemon.hpp"

#include <signal.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "proc_stat.hpp"

namespace agora_bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::vector<std::string> through_shell(std::vector<std::string> argv) {
  // exec: the shell becomes the daemon, so child_process's pid is its pid.
  argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\" >\"$AGORA_BENCH_DNS_LOG\" 2>&1"});
  return argv;
}

agora_apps::spawn_options log_to(const fs::path& log) {
  agora_apps::spawn_options o;
  o.env = {"AGORA_BENCH_DNS_LOG=" + log.string()};
  return o;
}

struct process_id {
  pid_t pid;
  unsigned long long start_ticks;
};

/// The processes descended from `root` now (bounded: a few levels, as
/// many as /proc lists).
std::vector<process_id> descendants(pid_t root) {
  std::vector<process_id> found;
  std::vector<pid_t> parents{root};
  for (int depth = 0; depth < 4 && !parents.empty(); ++depth) {
    std::vector<pid_t> next;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const auto name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const auto pid = static_cast<pid_t>(std::stol(name));
      const auto t = read_proc_times(pid);
      if (!t) continue;
      for (pid_t p : parents)
        if (t->parent == p) {
          found.push_back({pid, t->start_ticks});
          next.push_back(pid);
        }
    }
    parents = std::move(next);
  }
  return found;
}

}  // namespace

dns_daemon::dns_daemon(std::string name, std::vector<std::string> argv, fs::path log, std::uint16_t port)
    : name_(std::move(name)),
      log_(std::move(log)),
      port_(port),
      child_(through_shell(std::move(argv)), log_to(log_)) {}

dns_daemon::~dns_daemon() {
  const auto forked = descendants(child_.pid());
  child_.signal(SIGTERM);
  child_.wait_exit(5s);  // if it does not exit, child_'s destructor kills it
  for (const auto& p : forked) {
    const auto t = read_proc_times(p.pid);
    if (t && t->start_ticks == p.start_ticks) kill(p.pid, SIGKILL);  // still that process: a leftover
  }
}

double dns_daemon::cpu_seconds() const {
  const auto t = read_proc_times(child_.pid());
  if (!t) throw std::runtime_error(name_ + " (pid " + std::to_string(child_.pid()) + ") is gone;" + log_tail());
  return t->cpu_s;
}

std::string dns_daemon::log_tail() const {
  std::ifstream in(log_);
  std::deque<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    lines.push_back(std::move(l));
    if (lines.size() > 8) lines.pop_front();
  }
  std::string s = " its last log lines (" + log_.filename().string() + "):";
  if (lines.empty()) s += " none";
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

}  // namespace agora_bench
