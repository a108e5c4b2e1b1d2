#include "cpu_cgroups.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace agora_bench {

namespace fs = std::filesystem;

namespace {

constexpr long period_us = 100'000;
const std::string name_prefix = "agora-bench-jobs-";

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

/// Writes `text` to a cgroup file in one write(2); empty if done, else why not.
std::string write_text(const fs::path& p, const std::string& text) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return "open " + p.string() + ": " + std::strerror(errno);
  const auto n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (n == static_cast<ssize_t>(text.size())) return "";
  return "write \"" + text + "\" to " + p.string() + ": " + (n < 0 ? std::strerror(err) : "short write");
}

std::string make_dir(const fs::path& p) {
  if (::mkdir(p.c_str(), 0755) == 0) return "";
  return "mkdir " + p.string() + ": " + std::strerror(errno);
}

/// The value after `key` in a cpu.stat text ("key value" lines); 0 if absent.
long stat_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string k; in >> k;) {
    long v = 0;
    if (!(in >> v)) break;
    if (k == key) return v;
  }
  return 0;
}

std::vector<pid_t> procs_in(const fs::path& group) {
  std::vector<pid_t> pids;
  std::istringstream in(read_text(group / "cgroup.procs"));
  for (long p; in >> p;)
    if (p > 0) pids.push_back(static_cast<pid_t>(p));
  return pids;
}

/// Kills what is left in `group` and removes it; retries for a second
/// while killed processes exit.
void remove_group(const fs::path& group) {
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(group.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    for (pid_t p : procs_in(group)) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

/// Groups left by an agora-bench that died without cleaning up (its pid is
/// gone): removed if empty, never touched otherwise.
void remove_stale(const fs::path& root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(name_prefix, 0) != 0 || !entry.is_directory(ec)) continue;
    const long pid = std::strtol(name.c_str() + name_prefix.size(), nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    for (const auto& child : fs::directory_iterator(entry.path(), ec))
      if (child.is_directory(ec)) ::rmdir(child.path().c_str());
    ::rmdir(entry.path().c_str());
  }
}

}  // namespace

int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

cpu_cgroups::cpu_cgroups(int version, fs::path parent, long quota_us)
    : version_(version), parent_(std::move(parent)), quota_us_(quota_us) {}

std::unique_ptr<cpu_cgroups> cpu_cgroups::make(int count, double cpus, std::string& why) {
  const long quota = std::max(1000L, std::lround(cpus * period_us));
  // v2 first: a controller bound to v2 cannot be in a v1 hierarchy too.
  fs::path root;
  int version = 0;
  std::error_code ec;
  for (const char* m : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"})
    if (fs::exists(fs::path(m) / "cgroup.controllers", ec) && has_word(read_text(fs::path(m) / "cgroup.controllers"), "cpu")) {
      root = m;
      version = 2;
      break;
    }
  if (version == 0)
    for (const char* m : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"})
      if (fs::exists(fs::path(m) / "cpu.cfs_quota_us", ec)) {
        root = m;
        version = 1;
        break;
      }
  if (version == 0) {
    why = "no cgroup with a cpu controller here (neither a v2 cgroup.controllers listing \"cpu\" nor a v1 "
          "/sys/fs/cgroup/cpu/cpu.cfs_quota_us)";
    return nullptr;
  }
  remove_stale(root);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  const fs::path parent = root / (name_prefix + std::to_string(::getpid()) + "-" + suffix);
  if (auto e = make_dir(parent); !e.empty()) {
    why = e + (::geteuid() != 0 ? " (creating cgroups needs root)" : "");
    return nullptr;
  }
  // From here on the destructor removes whatever was made.
  std::unique_ptr<cpu_cgroups> groups(new cpu_cgroups(version, parent, quota));
  const auto fail = [&why](std::string e) {
    why = std::move(e);
    return nullptr;
  };
  if (version == 2) {
    // The cpu controller must be enabled for the parent's children, and so
    // in the root's subtree_control first (left enabled: harmless, and
    // others may have come to rely on it).
    if (!has_word(read_text(root / "cgroup.subtree_control"), "cpu"))
      if (auto e = write_text(root / "cgroup.subtree_control", "+cpu"); !e.empty()) return fail(e);
    if (auto e = write_text(parent / "cgroup.subtree_control", "+cpu"); !e.empty()) return fail(e);
  }
  for (int i = 0; i < count; ++i) {
    const fs::path g = parent / ("node-" + std::to_string(i + 1));
    if (auto e = make_dir(g); !e.empty()) return fail(e);
    groups->groups_.push_back(g);
    if (version == 2) {
      if (auto e = write_text(g / "cpu.max", std::to_string(quota) + " " + std::to_string(period_us)); !e.empty())
        return fail(e);
    } else {
      if (auto e = write_text(g / "cpu.cfs_period_us", std::to_string(period_us)); !e.empty()) return fail(e);
      if (auto e = write_text(g / "cpu.cfs_quota_us", std::to_string(quota)); !e.empty()) return fail(e);
    }
  }
  return groups;
}

cpu_cgroups::~cpu_cgroups() {
  for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) remove_group(*it);
  remove_group(parent_);
}

void cpu_cgroups::place(int index, pid_t pid) const {
  if (pid <= 0) throw std::invalid_argument("cpu_cgroups::place: no such process");
  if (auto e = write_text(groups_.at(static_cast<std::size_t>(index)) / "cgroup.procs", std::to_string(pid));
      !e.empty())
    throw std::runtime_error(e);
}

cpu_cgroups::usage cpu_cgroups::stat(int index) const {
  const auto text = read_text(groups_.at(static_cast<std::size_t>(index)) / "cpu.stat");
  usage u;
  u.periods = stat_value(text, "nr_periods");
  u.throttled = stat_value(text, "nr_throttled");
  u.throttled_s = version_ == 2 ? static_cast<double>(stat_value(text, "throttled_usec")) / 1e6
                                : static_cast<double>(stat_value(text, "throttled_time")) / 1e9;
  return u;
}

std::string cpu_cgroups::describe() const {
  return "cgroup v" + std::to_string(version_) + " " + parent_.string() + "/node-*, quota " +
         std::to_string(quota_us_) + " us per " + std::to_string(period_us) + " us";
}

}  // namespace agora_bench
