// The dns benchmark's files in a temporary directory: the zone nsd serves,
// the query files dnsperf reads, the daemons' configurations and logs.
// Everything is removed when the object goes (also after a failure).
//
// The zone agora-bench. (generated, the layout of the peers' test bench in docs/BENCHMARKS.md):
//   hN  3600 A  10.0.x.y   N < 100,000: cacheable, the cached-path names
//   cN  0    A  10.128.x.y N < 100,000: never cached, every query a miss
// SOA minimum 300. Query files: hot.txt, 100,000 queries over 1,000 hot
// names (a fixed pseudo-random order); hot-names.txt, each of those 1,000
// names once (to warm a cache); cold.txt, every cN name once.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace agora_bench {

inline constexpr const char* dns_zone_name = "agora-bench.";
inline constexpr int dns_zone_names = 100'000;  // of each kind, hN and cN
inline constexpr int dns_hot_names = 1'000;

/// The address the zone gives hN (cold: cN).
std::array<std::uint8_t, 4> dns_zone_address(int n, bool cold = false);
/// "hN.agora-bench." (cold: "cN.agora-bench.").
std::string dns_zone_host(int n, bool cold = false);
/// The i-th of the hot names (i < dns_hot_names), spread over the zone.
int dns_hot_index(int i);

class dns_files {
 public:
  /// Makes the directory and writes the zone and the query files. Throws
  /// (the directory then removed) if it cannot.
  dns_files();
  dns_files(const dns_files&) = delete;
  dns_files& operator=(const dns_files&) = delete;
  ~dns_files();

  const std::filesystem::path& dir() const noexcept { return dir_; }
  std::filesystem::path zone_file() const { return dir_ / "agora-bench.zone"; }
  std::filesystem::path hot_queries() const { return dir_ / "hot.txt"; }
  std::filesystem::path hot_names() const { return dir_ / "hot-names.txt"; }
  std::filesystem::path cold_queries() const { return dir_ / "cold.txt"; }
  /// A file in the directory for `what` (a daemon's config, its log).
  std::filesystem::path file(const std::string& what) const { return dir_ / what; }
  /// Writes `text` to file(what); its path.
  std::filesystem::path write(const std::string& what, const std::string& text) const;

 private:
  void write_zone() const;
  void write_queries() const;

  std::filesystem::path dir_;
};

}  // namespace agora_bench
