#include "proxy/dns_tree.hpp"

#include "proxy/delegation_book.hpp"
#include "proxy/iterative_handler.hpp"
#include "proxy/on_demand.hpp"
#include "proxy/question_dispatcher.hpp"
#include "proxy/question_handler.hpp"
#include "proxy/respondent.hpp"
#include "proxy/upstream_relay.hpp"

namespace agora::dns {

namespace {

actor_spec server_vm(std::shared_ptr<const proxy_settings> settings, std::vector<actor_spec> proxy) {
  return nested_vm("dns.server", {respondent(std::move(settings)), nested_vm("dns.proxy", std::move(proxy))});
}

/// A relay for every server some exchange wants, ending when idle.
actor_spec relay_dispatcher(std::shared_ptr<const proxy_settings> settings) {
  auto upstream = std::make_shared<upstream_settings>(settings->upstream);
  upstream->recursion_desired = false;  // authoritative servers
  const auto idle = settings->iterative.relay_idle;
  return on_demand({
      .name = "relay-dispatcher",
      .interest_topic = rec("dns.exchange", _, _, _, _),
      .interest_level = 0,
      .key_of = [](const term& flow) -> std::optional<term> {
        if (flow.is_record("dns.exchange", 4) && read_upstream_term(flow[0])) return flow[0];
        return std::nullopt;
      },
      .running_topic = relay_topic(_),
      .key_of_running = [](const term& flow) -> std::optional<term> {
        if (flow.is_record("dns.relay", 1)) return flow[0];
        return std::nullopt;
      },
      .make = [upstream, idle](const term& u) { return upstream_relay(*read_upstream_term(u), upstream, idle); },
      .max_running = 4096,
      // The exchanges waiting for it end with their question's budget.
      .refuse = [](turn_base&, const term&, const std::string&) {},
  });
}

}  // namespace

actor_spec forwarding_server(std::shared_ptr<const proxy_settings> settings) {
  auto upstream = std::make_shared<const upstream_settings>(settings->upstream);
  std::vector<actor_spec> proxy{question_dispatcher(settings, [settings](term q) {
    return forwarding_handler(std::move(q), settings);
  })};
  for (const auto& u : settings->upstreams) proxy.push_back(upstream_relay(u, upstream));
  return server_vm(settings, std::move(proxy));
}

actor_spec iterative_server(std::shared_ptr<const proxy_settings> settings, std::vector<name_server> roots) {
  std::vector<actor_spec> proxy{
      question_dispatcher(settings, [settings](term q) { return iterative_handler(std::move(q), settings); }),
      delegation_book(std::move(roots), settings), relay_dispatcher(settings)};
  return server_vm(settings, std::move(proxy));
}

}  // namespace agora::dns
