#include "client_node.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "secret_file.hpp"

namespace agora::node_app {

std::optional<cluster::node_config> client_config(std::string_view command, const std::string& connect,
                                                  const std::string& secret_file) {
  cluster::node_config c;
  c.role = cluster::node_role::client;
  c.id = 0;
  c.seeds = {connect};
  try {
    c.secret = read_secret_file(secret_file);
  } catch (const std::exception& e) {
    fmt::print(stderr, "agora-node {}: --secret-file: {}\n", command, e.what());
    return std::nullopt;
  }
  const auto problems = cluster::validate(c);
  for (std::string_view p : problems) {
    if (p.starts_with("seed: ")) p.remove_prefix(6);  // the one seed is --connect
    fmt::print(stderr, "agora-node {}: --connect: {}\n", command, p);
  }
  if (!problems.empty()) return std::nullopt;
  return c;
}

}  // namespace agora::node_app
