// A scratch directory for one test (a server's config, zones, state, a
// secret), removed with everything in it at the end, and files written
// there with the mode asked for.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agora_test {

class scratch_dir {
 public:
  /// TMPDIR/PREFIX-XXXXXX
  explicit scratch_dir(std::string_view prefix = "agora-test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a directory like " + pattern);
    path_ = pattern;
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  /// Writes `text` to NAME in the directory with `mode`; returns its path.
  std::string write(const std::string& name, std::string_view text, mode_t mode = 0600) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out) throw std::runtime_error("cannot write " + file.string());
    }
    if (::chmod(file.c_str(), mode) != 0) throw std::runtime_error("chmod failed on " + file.string());
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

/// A well-formed secret: 32 bytes, 0x00 0x01 ... 0x1f, in hex, with a newline.
inline std::string good_secret_hex() {
  std::string hex;
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) {
    hex += digits[i / 16];
    hex += digits[i % 16];
  }
  return hex + "\n";
}

}  // namespace agora_test
