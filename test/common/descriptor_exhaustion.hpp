// Runs a process out of file descriptors, for tests of accept loops: lowers
// RLIMIT_NOFILE to a little above the highest descriptor in use, fills the
// rest with dup(0) and leaves one free (for a client); release() gives the
// rest back, and the destructor restores the limit.
#pragma once

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace agora_test {

class descriptor_exhaustion {
 public:
  descriptor_exhaustion() {
    if (getrlimit(RLIMIT_NOFILE, &old_) != 0) throw std::runtime_error("getrlimit failed");
    int highest = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
      while (auto* e = readdir(d)) highest = std::max(highest, std::atoi(e->d_name));
      closedir(d);
    }
    rlimit low = old_;
    low.rlim_cur = static_cast<rlim_t>(highest + 32);
    if (setrlimit(RLIMIT_NOFILE, &low) != 0) throw std::runtime_error("setrlimit failed");
    for (;;) {
      const int fd = dup(0);
      if (fd < 0) {
        if (errno != EMFILE) {
          release();
          setrlimit(RLIMIT_NOFILE, &old_);
          throw std::runtime_error("dup failed other than with EMFILE");
        }
        break;
      }
      fillers_.push_back(fd);
    }
    // One descriptor for the client; none left for the accept.
    ::close(fillers_.back());
    fillers_.pop_back();
  }
  descriptor_exhaustion(const descriptor_exhaustion&) = delete;
  descriptor_exhaustion& operator=(const descriptor_exhaustion&) = delete;
  ~descriptor_exhaustion() {
    release();
    setrlimit(RLIMIT_NOFILE, &old_);
  }

  /// Descriptors come back (the limit stays low until destruction).
  void release() {
    for (int fd : fillers_) ::close(fd);
    fillers_.clear();
  }

 private:
  rlimit old_{};
  std::vector<int> fillers_;
};

}  // namespace agora_test
