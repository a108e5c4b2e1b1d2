// The dns benchmark's generated zone and query files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "dns_files.hpp"

using namespace agora_bench;

namespace {

std::size_t count_lines(const std::filesystem::path& p, std::set<std::string>* distinct = nullptr) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l); ++n)
    if (distinct) distinct->insert(l);
  return n;
}

}  // namespace

TEST_CASE("dns bench files: addresses and names of hot and cold records") {
  CHECK(dns_zone_address(0) == std::array<std::uint8_t, 4>{10, 0, 0, 0});
  CHECK(dns_zone_address(99'999) == std::array<std::uint8_t, 4>{10, 1, 134, 159});
  CHECK(dns_zone_address(5, true) == std::array<std::uint8_t, 4>{10, 128, 0, 5});
  CHECK(dns_zone_host(42) == "h42.agora-bench.");
  CHECK(dns_zone_host(42, true) == "c42.agora-bench.");
  CHECK(dns_hot_index(dns_hot_names - 1) < dns_zone_names);
}

TEST_CASE("dns bench files: the zone holds every record once, the query files the hot and cold names") {
  std::filesystem::path dir;
  {
    const dns_files files;
    dir = files.dir();
    CHECK(std::filesystem::is_directory(dir));
    std::ifstream zone(files.zone_file());
    std::size_t hot = 0, cold = 0;
    bool h7 = false, c99999 = false, soa = false;
    for (std::string l; std::getline(zone, l);) {
      hot += l.rfind("h", 0) == 0 && l.find(" 3600 IN A ") != std::string::npos;
      cold += l.rfind("c", 0) == 0 && l.find(" 0 IN A ") != std::string::npos;
      h7 = h7 || l == "h7 3600 IN A 10.0.0.7";
      c99999 = c99999 || l == "c99999 0 IN A 10.129.134.159";
      soa = soa || l.find("IN SOA") != std::string::npos;
    }
    CHECK(hot == dns_zone_names);
    CHECK(cold == dns_zone_names);
    CHECK(h7);
    CHECK(c99999);
    CHECK(soa);

    std::set<std::string> names, asked;
    CHECK(count_lines(files.hot_names(), &names) == dns_hot_names);
    CHECK(names.size() == dns_hot_names);  // each once
    CHECK(names.count("h7.agora-bench. A") == 1);
    CHECK(count_lines(files.hot_queries(), &asked) == dns_zone_names);
    for (const auto& q : asked) CHECK_MESSAGE(names.count(q) == 1, q);  // only hot names
    CHECK(asked.size() > dns_hot_names * 9 / 10);  // and nearly all of them
    std::set<std::string> cold_asked;
    CHECK(count_lines(files.cold_queries(), &cold_asked) == dns_zone_names);
    CHECK(cold_asked.count("c0.agora-bench. A") == 1);
    CHECK(files.write("x.conf", "hello\n") == dir / "x.conf");
  }
  CHECK_FALSE(std::filesystem::exists(dir));  // removed with the object
}
