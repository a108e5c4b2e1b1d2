#include "part_scratch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

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

}  // namespace agora::jobs
