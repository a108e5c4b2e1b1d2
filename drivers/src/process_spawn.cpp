// Spawning a child: pipes made close-on-exec (so no other child inherits
// them), dup2'ed onto 0/1/2 by the spawn's file actions, everything from 3
// up closed in the child (posix_spawn_file_actions_addclosefrom_np, glibc
// 2.34: even descriptors other code opened without O_CLOEXEC), DIR by
// posix_spawn_file_actions_addchdir_np. The child leads a new process group
// (POSIX_SPAWN_SETPGROUP, 0), starts with an empty signal mask and every
// catchable signal at its default action. glibc's posix_spawn reports a
// failed exec (or chdir) as its return value. Limits are set with prlimit
// on the child's pid right after posix_spawn returns: the child runs
// without them for the few microseconds in between (see docs/PROCESS.md).
#include "process_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace agora::process::detail {

namespace {

/// Descriptors closed when it goes, unless released.
struct fds {
  std::vector<int> open;
  ~fds() {
    for (int fd : open)
      if (fd >= 0) ::close(fd);
  }
  void close(int& fd) {
    for (int& o : open)
      if (o == fd) o = -1;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void release(int fd) {
    for (int& o : open)
      if (o == fd) o = -1;
  }
};

std::string error_text(int e) { return std::strerror(e); }

/// Pointers to the strings, null-terminated, for posix_spawn.
std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

/// The spawn's attributes and file actions, destroyed with it.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool have_actions = false, have_attr = false;
  ~spawn_setup() {
    if (have_actions) posix_spawn_file_actions_destroy(&actions);
    if (have_attr) posix_spawnattr_destroy(&attr);
  }
};

/// What to say when posix_spawn failed with `e`: a DIR that is not there
/// fails the same way as a missing program; tell them apart.
std::string spawn_error(const command& c, int e) {
  if (!c.dir.empty()) {
    struct stat st {};
    if (::stat(c.dir.c_str(), &st) != 0)
      return fmt::format("chdir {}: {}", c.dir, error_text(errno));
    if (!S_ISDIR(st.st_mode)) return fmt::format("chdir {}: {}", c.dir, error_text(ENOTDIR));
  }
  return fmt::format("spawn {}: {}", c.argv[0], error_text(e));
}

/// Sets one limit of the child; false (with the text) if it cannot be set.
bool set_limit(pid_t pid, int resource, const char* name, rlim_t soft, rlim_t hard, std::string& error) {
  const rlimit l{soft, hard};
  if (::prlimit(pid, static_cast<__rlimit_resource>(resource), &l, nullptr) == 0) return true;
  if (errno == ESRCH) return true;  // gone already: its exit tells the rest
  error = fmt::format("prlimit {} {}: {}", name, soft, error_text(errno));
  return false;
}

}  // namespace

void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

spawn_result spawn(const command& c) {
  fds f;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return {{}, fmt::format("pipe: {}", error_text(errno))};
  f.open = {in[0], in[1]};
  if (::pipe2(out, O_CLOEXEC) != 0) return {{}, fmt::format("pipe: {}", error_text(errno))};
  f.open.insert(f.open.end(), {out[0], out[1]});
  if (::pipe2(err, O_CLOEXEC) != 0) return {{}, fmt::format("pipe: {}", error_text(errno))};
  f.open.insert(f.open.end(), {err[0], err[1]});

  spawn_setup s;
  int e = posix_spawn_file_actions_init(&s.actions);
  if (e != 0) return {{}, fmt::format("posix_spawn_file_actions_init: {}", error_text(e))};
  s.have_actions = true;
  e = posix_spawnattr_init(&s.attr);
  if (e != 0) return {{}, fmt::format("posix_spawnattr_init: {}", error_text(e))};
  s.have_attr = true;

  // dup2 clears close-on-exec on the copy (also when the numbers are equal,
  // glibc >= 2.29); the originals go with closefrom(3).
  if ((e = posix_spawn_file_actions_adddup2(&s.actions, in[0], 0)) != 0 ||
      (e = posix_spawn_file_actions_adddup2(&s.actions, out[1], 1)) != 0 ||
      (e = posix_spawn_file_actions_adddup2(&s.actions, err[1], 2)) != 0 ||
      (!c.dir.empty() && (e = posix_spawn_file_actions_addchdir_np(&s.actions, c.dir.c_str())) != 0) ||
      (e = posix_spawn_file_actions_addclosefrom_np(&s.actions, 3)) != 0)
    return {{}, fmt::format("posix_spawn_file_actions: {}", error_text(e))};

  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  if ((e = posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF)) != 0 ||
      (e = posix_spawnattr_setpgroup(&s.attr, 0)) != 0 ||
      (e = posix_spawnattr_setsigmask(&s.attr, &none)) != 0 ||
      (e = posix_spawnattr_setsigdefault(&s.attr, &all)) != 0)
    return {{}, fmt::format("posix_spawnattr: {}", error_text(e))};

  auto argv = c_strings(c.argv);
  auto envp = c_strings(c.env);
  pid_t pid = -1;
  const bool path = c.argv[0].find('/') != std::string::npos;
  e = path ? posix_spawn(&pid, argv[0], &s.actions, &s.attr, argv.data(), envp.data())
           : posix_spawnp(&pid, argv[0], &s.actions, &s.attr, argv.data(), envp.data());
  if (e != 0) return {{}, spawn_error(c, e)};

  // The child runs. From here a failure kills and reaps it.
  f.close(in[0]);
  f.close(out[1]);
  f.close(err[1]);
  std::string error;
  constexpr rlim_t most = RLIM_INFINITY - 1;
  auto lim = [&](std::int64_t v) { return static_cast<rlim_t>(v) >= most ? most : static_cast<rlim_t>(v); };
  bool ok = true;
  if (c.cpu_seconds > 0)
    ok = set_limit(pid, RLIMIT_CPU, "RLIMIT_CPU", lim(c.cpu_seconds), lim(c.cpu_seconds) + 1, error);
  if (ok && c.address_space > 0)
    ok = set_limit(pid, RLIMIT_AS, "RLIMIT_AS", lim(c.address_space), lim(c.address_space), error);
  if (ok && c.open_files > 0)
    ok = set_limit(pid, RLIMIT_NOFILE, "RLIMIT_NOFILE", lim(c.open_files), lim(c.open_files), error);
  int pidfd = -1;
  if (ok) {
    pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      error = fmt::format("pidfd_open: {}", error_text(errno));
      ok = false;
    }
  }
  if (!ok) {
    kill_and_reap(pid);
    return {{}, std::move(error)};
  }
  // pidfd_open gives close-on-exec descriptors already.
  for (int fd : {in[1], out[0], err[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  f.release(in[1]);
  f.release(out[0]);
  f.release(err[0]);
  return {spawned{pid, pidfd, in[1], out[0], err[0]}, {}};
}

}  // namespace agora::process::detail
