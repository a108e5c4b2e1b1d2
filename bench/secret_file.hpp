// A cluster secret for the benchmarks' agora nodes: 64 random hex digits in
// a private file (mode 0600) in a directory of its own, removed with it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace agora_bench {

class secret_file {
 public:
  secret_file() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("agora-bench-cluster-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directory(dir_);
    path_ = (dir_ / "secret").string();
    std::ofstream out(path_);
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 64; ++i) out << hex[rd() % 16];
    out.close();
    ::chmod(path_.c_str(), 0600);
  }
  secret_file(const secret_file&) = delete;
  secret_file& operator=(const secret_file&) = delete;
  ~secret_file() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const noexcept { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace agora_bench
