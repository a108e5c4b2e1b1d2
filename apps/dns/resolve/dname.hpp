// DNAME substitution (RFC 6672 §2.2): a DNAME at `owner` redirects every
// name strictly below it to the same labels below `target`.
#pragma once

#include <optional>

#include "codec/name.hpp"

namespace agora::dns {

/// `current` with its `owner` suffix replaced by `target`:
/// ("www.old.example.", "old.example.", "new.example.") -> "www.new.example.".
/// nullopt if `current` is not strictly below `owner`, or if the result
/// would be over 255 octets (the server should have said YXDOMAIN).
std::optional<name> substitute_dname(const name& current, const name& owner, const name& target);

}  // namespace agora::dns
