#include "agora/cluster/config.hpp"

#include <fmt/format.h>

#include "fields.hpp"

namespace agora::cluster {

namespace {

/// "host:port" with a non-empty host and a port in 0..65535.
bool is_address(const std::string& a) {
  auto colon = a.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) return false;
  const std::string port = a.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoul(port) <= 65535;
}

}  // namespace

std::vector<std::string> validate(const node_config& c) {
  std::vector<std::string> problems;
  if (c.id == 0 && c.role == node_role::member) problems.push_back("id: must be 1 or more");
  if (c.id > static_cast<std::uint64_t>(INT64_MAX)) problems.push_back("id: too large");
  if (c.cluster.empty()) problems.push_back("cluster: the cluster name must not be empty");
  if (c.role == node_role::member && !is_address(c.listen))
    problems.push_back(fmt::format("listen: \"{}\" is not HOST:PORT", c.listen));
  if (c.role == node_role::member && !c.advertise.empty())
    if (auto why = address_problem(c.advertise))
      problems.push_back(fmt::format("advertise: \"{}\": {}", c.advertise, *why));
  if (c.role == node_role::client && !c.advertise.empty())
    problems.push_back("advertise: a client has no address to advertise");
  for (const auto& s : c.seeds)
    if (!is_address(s)) problems.push_back(fmt::format("seed: \"{}\" is not HOST:PORT", s));
  if (c.role == node_role::client && c.seeds.size() != 1)
    problems.push_back("a client connects to exactly one member");
  if (c.secret.size() < 32)
    problems.push_back(fmt::format("secret: {} bytes, at least 32 (256 bits) are needed",
                                   c.secret.size()));
  if (c.heartbeat.count() <= 0) problems.push_back("heartbeat: must be positive");
  if (c.deadline <= c.heartbeat)
    problems.push_back(fmt::format("deadline: {} ms must exceed the heartbeat ({} ms)",
                                   c.deadline.count(), c.heartbeat.count()));
  if (c.reconnect_min.count() <= 0 || c.reconnect_max < c.reconnect_min)
    problems.push_back("reconnect: need 0 < reconnect_min <= reconnect_max");
  if (c.max_frame < 4096) problems.push_back("max_frame: at least 4096 bytes");
  if (c.send_queue_high == 0 || c.send_queue_max < c.send_queue_high)
    problems.push_back("send_queue: need 0 < send_queue_high <= send_queue_max");
  if (c.tls.enabled && (c.tls.certificate.empty() || c.tls.private_key.empty() || c.tls.ca.empty()))
    problems.push_back("tls: certificate, private_key and ca are all needed");
  return problems;
}

}  // namespace agora::cluster
