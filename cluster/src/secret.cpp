#include "secret.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace agora::cluster {

cluster_secret::cluster_secret(std::vector<std::byte> key) : key_(std::move(key)) {
  if (key_.size() < min_size) {
    wipe();
    throw std::invalid_argument(fmt::format(
        "cluster secret of {} bytes: at least {} bytes (256 bits) are needed", key_.size(),
        min_size));
  }
}

cluster_secret& cluster_secret::operator=(const cluster_secret& other) {
  if (this != &other) {
    wipe();
    key_ = other.key_;
  }
  return *this;
}

cluster_secret& cluster_secret::operator=(cluster_secret&& other) noexcept {
  if (this != &other) {
    wipe();
    key_ = std::move(other.key_);
  }
  return *this;
}

cluster_secret::~cluster_secret() { wipe(); }

void cluster_secret::wipe() noexcept {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

namespace {

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

/// A buffer that is overwritten before it is freed.
struct wiped_text {
  std::string text;
  ~wiped_text() {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

cluster_secret parse_secret_text(std::string_view text, std::string_view origin) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  const std::size_t digits = end - begin;
  // Error messages name positions and counts, never the secret's characters.
  for (std::size_t i = begin; i < end; ++i)
    if (hex_value(text[i]) < 0)
      throw std::runtime_error(fmt::format(
          "cluster secret file {}: byte {} is not a hex digit; the file must hold only hex "
          "digits (surrounding whitespace is ignored)",
          origin, i));
  if (digits < 2 * cluster_secret::min_size)
    throw std::runtime_error(fmt::format(
        "cluster secret file {}: {} hex digits ({} bits); at least {} (256 bits) are needed "
        "(make one with: openssl rand -hex 32)",
        origin, digits, digits * 4, 2 * cluster_secret::min_size));
  if (digits % 2 != 0)
    throw std::runtime_error(fmt::format(
        "cluster secret file {}: an odd number of hex digits ({}); two digits make a byte",
        origin, digits));
  std::vector<std::byte> key(digits / 2);
  for (std::size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<std::byte>(hex_value(text[begin + 2 * i]) << 4 |
                                    hex_value(text[begin + 2 * i + 1]));
  return cluster_secret(std::move(key));
}

cluster_secret load_secret(const std::filesystem::path& path) {
  const std::string name = path.string();
  auto fail = [&](std::string_view what) -> std::runtime_error {
    return std::runtime_error(fmt::format("cluster secret file {}: {}", name, what));
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
  file_descriptor fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) throw fail(fmt::format("cannot open it: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw fail(fmt::format("cannot stat it: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw fail(fmt::format("{}; the secret must be a regular file", file_kind(st.st_mode)));
  if ((st.st_mode & 077) != 0)
    throw fail(fmt::format(
        "mode {:04o} lets group or others access it; only its owner may (chmod 600 {})",
        st.st_mode & 07777, name));
  if (static_cast<std::uintmax_t>(st.st_size) > max_secret_file_size)
    throw fail(fmt::format("{} bytes is larger than the limit of {} bytes", st.st_size,
                           max_secret_file_size));

  wiped_text content;
  content.text.resize(max_secret_file_size + 1);
  std::size_t size = 0;
  for (;;) {
    const ::ssize_t n = ::read(fd.get(), content.text.data() + size, content.text.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail(fmt::format("cannot read it: {}", std::strerror(errno)));
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
    if (size > max_secret_file_size)  // it grew since fstat
      throw fail(fmt::format("larger than the limit of {} bytes", max_secret_file_size));
  }
  return parse_secret_text(std::string_view(content.text.data(), size), name);
}

}  // namespace agora::cluster
