// The cluster demo's scratch directory (mkdtemp under $TMPDIR or /tmp): the
// cluster's secret (64 random hex digits, mode 0600), the job's script, the
// nodes' part scratch; removed with all it holds when the object goes,
// after killing any process still working in it (a part whose node was
// killed with -9 lives on in a process group of its own until it ends).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

namespace agora_demo {

class scratch_dir {
 public:
  scratch_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/agora-cluster-demo-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a scratch directory in " + pattern);
    path_ = pattern;
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    kill_processes_inside();
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const noexcept { return path_; }

  /// Writes `name` (created with `mode`, so never readable by others even
  /// for a moment); its path.
  std::string write(const std::string& name, const std::string& text, mode_t mode) const {
    const std::string file = path_ + "/" + name;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot write " + file);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + file);
    return file;
  }

  /// A secret file as agora-node wants it: 64 hex digits (256 bits from
  /// the system's random source), mode 0600. Its path.
  std::string write_secret(const std::string& name) const {
    std::random_device random;
    const char* digits = "0123456789abcdef";
    std::string hex;
    for (int i = 0; i < 64; ++i) hex += digits[random() % 16];
    return write(name, hex + "\n", 0600);
  }

 private:
  /// SIGKILL to every process whose working directory is in here.
  void kill_processes_inside() const {
    DIR* proc = opendir("/proc");
    if (!proc) return;
    while (const dirent* e = readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid <= 0 || pid == getpid()) continue;
      std::error_code ec;
      const auto cwd = std::filesystem::read_symlink("/proc/" + std::string(e->d_name) + "/cwd", ec).string();
      if (!ec && (cwd == path_ || cwd.starts_with(path_ + "/"))) kill(pid, SIGKILL);
    }
    closedir(proc);
  }

  std::string path_;
};

}  // namespace agora_demo
