#include "seed_range.hpp"

#include <charconv>

namespace agora::sim_cli {

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

parsed_range parse_seed_range(std::string_view text) {
  const auto dots = text.find("..");
  if (dots == std::string_view::npos)
    return {std::nullopt, "--seeds: \"" + std::string(text) + "\" is not A..B"};
  const auto a = number(text.substr(0, dots)), b = number(text.substr(dots + 2));
  if (!a || !b)
    return {std::nullopt, "--seeds: \"" + std::string(text) +
                              "\": A and B must be unsigned integers (A..B)"};
  if (*a > *b)
    return {std::nullopt, "--seeds: \"" + std::string(text) + "\": A must not exceed B"};
  return {seed_range{*a, *b}, {}};
}

}  // namespace agora::sim_cli
