#include "part_scratch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace agora::jobs {

std::string path_safe(std::string_view id) {
  std::string out;
  for (const char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_') out += c;
    else out += fmt::format("_{:02x}", u);
  }
  return out;
}

std::optional<std::string> make_scratch(const std::string& root, const std::string& name, std::string_view script,
                                        std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  const std::string dir = root + "/" + name;
  std::filesystem::remove_all(dir, ec);  // a leftover of an earlier incarnation
  if (::mkdir(dir.c_str(), 0700) != 0) {
    error = fmt::format("cannot make {}: {}", dir, std::strerror(errno));
    return std::nullopt;
  }
  const std::string file = dir + "/script";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = fmt::format("cannot write {}: {}", file, std::strerror(errno));
    remove_scratch(dir);
    return std::nullopt;
  }
  std::size_t done = 0;
  while (done < script.size()) {
    const ssize_t n = ::write(fd, script.data() + done, script.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = fmt::format("cannot write {}: {}", file, std::strerror(errno));
      ::close(fd);
      remove_scratch(dir);
      return std::nullopt;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return dir;
}

void remove_scratch(const std::string& dir) noexcept {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string worker_mark(std::uint64_t node, const std::string& root) {
  return fmt::format("AGORA_WORKER={}:{}", node, root);
}

std::size_t clear_leftovers(const std::string& mark, const std::string& root) {
  std::size_t killed = 0;
  std::error_code ec;
  const std::string needle = mark + '\0';
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    std::ifstream env(entry.path() / "environ", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    if (text.starts_with(needle) || text.find('\0' + needle) != std::string::npos) killed += ::kill(pid, SIGKILL) == 0;
  }
  std::filesystem::remove_all(root, ec);
  return killed;
}

}  // namespace agora::jobs
