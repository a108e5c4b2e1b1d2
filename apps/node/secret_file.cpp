#include "secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace agora::node_app {

namespace {

// Temporary: the rules of cluster::load_secret, until it lands.

/// Closes a file descriptor when it goes out of scope.
class file_descriptor {
 public:
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& path, std::string_view what) {
  throw std::runtime_error(fmt::format("secret file {}: {}", path, what));
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isprint(u) ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02x}", u);
}

/// Reads the whole file (it is known to be regular and at most the limit).
std::string read_all(int fd, const std::string& path) {
  std::string text;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_secret_file_bytes)
      fail(path, fmt::format("larger than {} bytes; a secret is one line of hex digits",
                             max_secret_file_bytes));
  }
}

std::vector<std::byte> decode_hex(std::string_view text, const std::string& path) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) fail(path, "empty; it should hold the secret in hex digits");
  std::size_t last = text.size();
  while (is_space(text[last - 1])) --last;
  const std::string_view hex = text.substr(first, last - first);
  for (std::size_t i = 0; i < hex.size(); ++i)
    if (hex_value(hex[i]) < 0)
      fail(path, fmt::format("{} at offset {} is not a hex digit; the secret is written in hex "
                             "(e.g. openssl rand -hex 32)",
                             describe(hex[i]), first + i));
  if (hex.size() % 2 != 0) fail(path, fmt::format("an odd number of hex digits ({})", hex.size()));
  if (hex.size() / 2 < min_secret_bytes)
    fail(path, fmt::format("{} bytes of secret ({} hex digits); at least {} bytes ({} hex digits) "
                           "are needed",
                           hex.size() / 2, hex.size(), min_secret_bytes, 2 * min_secret_bytes));
  std::vector<std::byte> secret(hex.size() / 2);
  for (std::size_t i = 0; i < secret.size(); ++i)
    secret[i] = static_cast<std::byte>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
  return secret;
}

std::vector<std::byte> read_secret_file_now(const std::string& path) {
  if (path.empty()) throw std::runtime_error("secret file: no path given");
  // The checks are made on the open descriptor, so that the file checked is
  // the file read.
  const file_descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  if ((st.st_mode & 077) != 0)
    fail(path, fmt::format("group or others may access it (mode {:04o}); the secret must be "
                           "private to its owner: chmod 600 {}",
                           st.st_mode & 07777, path));
  return decode_hex(read_all(fd.get(), path), path);
}

}  // namespace

std::vector<std::byte> read_secret_file(const std::string& path) {
  return read_secret_file_now(path);  // to become: return cluster::load_secret(path);
}

}  // namespace agora::node_app
