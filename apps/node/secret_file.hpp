// The cluster's shared secret, read from the file agora-node is given.
//
// The one place agora-node reads a secret: when the cluster library's
// load_secret(path) is available (cluster/src/crypto.hpp), this function's
// body becomes a call to it and the temporary reader in secret_file.cpp goes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace agora::node_app {

/// Fewest bytes a secret may have (256 bits; agora::cluster::validate agrees).
inline constexpr std::size_t min_secret_bytes = 32;
/// Largest secret file read (a secret is a line of hex digits).
inline constexpr std::size_t max_secret_file_bytes = 64 * 1024;

/// The secret in the file at `path`: a regular file that neither group nor
/// others may read or write (mode & 077 == 0), holding hex digits (leading
/// and trailing whitespace ignored) for at least min_secret_bytes bytes.
/// Throws std::runtime_error naming the file and what is wrong with it.
std::vector<std::byte> read_secret_file(const std::string& path);

}  // namespace agora::node_app
