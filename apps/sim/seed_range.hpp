// `--seeds A..B` of agora-sim: an inclusive range of seeds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agora::sim_cli {

struct seed_range {
  std::uint64_t first = 1, last = 1;
};

/// "A..B" with A <= B, both unsigned 64-bit integers; or an error saying
/// what is wrong with the text.
struct parsed_range {
  std::optional<seed_range> range;
  std::string error;
};
parsed_range parse_seed_range(std::string_view text);

}  // namespace agora::sim_cli
