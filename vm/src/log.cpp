#include "agora/log.hpp"

#include <cstdio>

namespace agora {

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "?";
}

log_sink log_to_stderr() {
  return [](log_level, std::string_view line) {
    flockfile(stderr);
    std::fputs("agora: ", stderr);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
    funlockfile(stderr);
  };
}

void write_log(const log_sink& sink, log_level level, std::string_view line) noexcept {
  if (!sink) return;
  try {
    sink(level, line);
  } catch (...) {
  }
}

}  // namespace agora
