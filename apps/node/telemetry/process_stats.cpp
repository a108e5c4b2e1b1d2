#include "process_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace agora::node_app {

namespace {

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string_view field(std::string_view text, int index) {
  std::size_t at = 0;
  for (int i = 0;; ++i) {
    while (at < text.size() && text[at] == ' ') ++at;
    const auto end = std::min(text.find(' ', at), text.size());
    if (i == index) return text.substr(at, end - at);
    if (end >= text.size()) return {};
    at = end;
  }
}

}  // namespace

std::optional<std::uint64_t> rss_from_statm(std::string_view text, std::uint64_t page_size) {
  const auto f = field(text, 1);
  std::uint64_t pages = 0;
  const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), pages);
  if (f.empty() || ec != std::errc{} || end != f.data() + f.size()) return std::nullopt;
  return pages * page_size;
}

std::optional<double> load1_from_loadavg(std::string_view text) {
  const std::string f(field(text, 0));
  if (f.empty()) return std::nullopt;
  std::istringstream in(f);
  double load = 0;
  if (!(in >> load) || !in.eof() || load < 0) return std::nullopt;
  return load;
}

process_stats read_process_stats() {
  const long page = ::sysconf(_SC_PAGESIZE);
  return {rss_from_statm(first_line("/proc/self/statm"), page > 0 ? static_cast<std::uint64_t>(page) : 4096),
          load1_from_loadavg(first_line("/proc/loadavg"))};
}

}  // namespace agora::node_app
