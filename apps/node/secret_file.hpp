// The cluster's shared secret, read from the file agora-node is given: the
// cluster library's rules (agora/cluster/secret.hpp: a private regular file
// holding 64 or more hex digits).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace agora::node_app {

/// The secret in the file at `path`. Throws std::runtime_error naming the
/// file and what is wrong with it.
std::vector<std::byte> read_secret_file(const std::string& path);

}  // namespace agora::node_app
