// Starting one child process: posix_spawn(p) with its stdin, stdout and
// stderr on fresh pipes, in a new process group, with nothing else
// inherited (no descriptor beyond 2, an empty signal mask, default signal
// actions), its limits set by prlimit, and a pidfd to watch it by.
// Internal to the process driver.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "agora/drivers/process.hpp"

namespace agora::process::detail {

/// A running child and the parent's ends of its pipes (non-blocking,
/// close-on-exec). The child leads process group `pid`.
struct spawned {
  pid_t pid = -1;
  int pidfd = -1;
  int in = -1;   // write end of its stdin
  int out = -1;  // read end of its stdout
  int err = -1;  // read end of its stderr
};

struct spawn_result {
  std::optional<spawned> child;
  std::string error;  // e.g. "spawn /nope: No such file or directory"
};

/// Spawns c. On failure nothing is left behind: no descriptor, no child.
spawn_result spawn(const command& c);

/// SIGKILL to group `pgid`, then waits for `pid` (the group's leader):
/// the last resort, which blocks until the kernel has done it.
void kill_and_reap(pid_t pid);

}  // namespace agora::process::detail
