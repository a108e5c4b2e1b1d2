#include "secret_file.hpp"

#include <stdexcept>

#include "agora/cluster/secret.hpp"

namespace agora::node_app {

std::vector<std::byte> read_secret_file(const std::string& path) {
  if (path.empty()) throw std::runtime_error("cluster secret file: no path given");
  const auto secret = cluster::load_secret(path);
  return {secret.bytes().begin(), secret.bytes().end()};
}

}  // namespace agora::node_app
