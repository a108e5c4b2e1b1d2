#include "dns_files.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace agora_bench {

namespace fs = std::filesystem;

std::array<std::uint8_t, 4> dns_zone_address(int n, bool cold) {
  return {10, static_cast<std::uint8_t>((cold ? 128 : 0) + (n >> 16)), static_cast<std::uint8_t>((n >> 8) & 0xff),
          static_cast<std::uint8_t>(n & 0xff)};
}

std::string dns_zone_host(int n, bool cold) {
  return (cold ? "c" : "h") + std::to_string(n) + "." + dns_zone_name;
}

int dns_hot_index(int i) { return i * (dns_zone_names / dns_hot_names) + 7; }

dns_files::dns_files() {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("agora-bench-dns-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directory(dir_);
  try {
    write_zone();
    write_queries();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

dns_files::~dns_files() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path dns_files::write(const std::string& what, const std::string& text) const {
  const auto p = file(what);
  std::ofstream out(p);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
  return p;
}

void dns_files::write_zone() const {
  std::ofstream z(zone_file());
  z << "$ORIGIN " << dns_zone_name << "\n$TTL 3600\n"
    << "@ IN SOA ns hostmaster 1 3600 900 604800 300\n"
    << "@ IN NS ns\nns IN A 127.0.0.1\n";
  for (bool cold : {false, true}) {
    for (int n = 0; n < dns_zone_names; ++n) {
      const auto a = dns_zone_address(n, cold);
      z << (cold ? 'c' : 'h') << n << (cold ? " 0" : " 3600") << " IN A " << int(a[0]) << '.' << int(a[1]) << '.'
        << int(a[2]) << '.' << int(a[3]) << '\n';
    }
  }
  if (!z.flush()) throw std::runtime_error("cannot write " + zone_file().string());
}

void dns_files::write_queries() const {
  std::ofstream names(hot_names()), hot(hot_queries()), cold(cold_queries());
  for (int i = 0; i < dns_hot_names; ++i) names << dns_zone_host(dns_hot_index(i)) << " A\n";
  std::mt19937 order(13);  // fixed: every run sends the same sequence
  std::uniform_int_distribution<int> pick(0, dns_hot_names - 1);
  for (int q = 0; q < dns_zone_names; ++q) hot << dns_zone_host(dns_hot_index(pick(order))) << " A\n";
  for (int n = 0; n < dns_zone_names; ++n) cold << dns_zone_host(n, true) << " A\n";
  if (!names.flush() || !hot.flush() || !cold.flush())
    throw std::runtime_error("cannot write the query files in " + dir_.string());
}

}  // namespace agora_bench
