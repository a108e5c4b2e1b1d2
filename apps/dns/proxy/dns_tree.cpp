#include "proxy/dns_tree.hpp"

#include "proxy/question_dispatcher.hpp"
#include "proxy/question_handler.hpp"
#include "proxy/respondent.hpp"
#include "proxy/upstream_relay.hpp"

namespace agora::dns {

actor_spec dns_server(std::shared_ptr<const proxy_settings> settings) {
  auto upstream = std::make_shared<const upstream_settings>(settings->upstream);
  std::vector<actor_spec> proxy{question_dispatcher(settings, [settings](term q) {
    return forwarding_handler(std::move(q), settings);
  })};
  for (const auto& u : settings->upstreams) proxy.push_back(upstream_relay(u, upstream));
  return nested_vm("dns.server", {respondent(settings), nested_vm("dns.proxy", std::move(proxy))});
}

}  // namespace agora::dns
