// The cluster secret: the key material every node of a cluster shares, read
// from a file that only its owner may access (format: docs/CLUSTER.md,
// "The secret file").
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace agora::cluster {

class cluster_secret {
 public:
  static constexpr std::size_t min_size = 32;  // 256 bits

  /// Throws std::invalid_argument if `key` is shorter than min_size.
  explicit cluster_secret(std::vector<std::byte> key);
  cluster_secret(const cluster_secret&) = default;
  cluster_secret(cluster_secret&&) noexcept = default;
  cluster_secret& operator=(const cluster_secret& other);
  cluster_secret& operator=(cluster_secret&& other) noexcept;
  ~cluster_secret();  // overwrites the key

  std::span<const std::byte> bytes() const noexcept { return key_; }

 private:
  void wipe() noexcept;
  std::vector<std::byte> key_;
};

/// The longest secret file accepted.
inline constexpr std::size_t max_secret_file_size = 4096;

/// Reads the secret file at `path` (symbolic links are followed). Throws
/// std::runtime_error naming the file and the rule it breaks when it cannot
/// be read, is not a regular file, is accessible by group or others
/// (mode & 077), is larger than max_secret_file_size, or does not hold 64
/// or more hex digits (an even number; surrounding whitespace is ignored).
cluster_secret load_secret(const std::filesystem::path& path);

/// The key in a secret file's text; `origin` names the file in errors.
cluster_secret parse_secret_text(std::string_view text, std::string_view origin);

}  // namespace agora::cluster
