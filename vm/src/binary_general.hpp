// The decoder without its fast path for flat records (binary.cpp), for the
// differential test that holds the two to the same results and errors.
#pragma once

#include <cstddef>
#include <span>

#include "agora/binary.hpp"

namespace agora::detail {

/// decode_item, every term read the general way.
term decode_item_general(std::span<const std::byte> in, std::size_t& offset,
                         const decode_limits& limits, std::size_t enclosing = 0);

}  // namespace agora::detail
