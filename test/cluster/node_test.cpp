// agora::cluster::node, the production node, in one process: two grounds,
// each with its node, linked over loopback TCP — plain, with TLS 1.3, and
// with a certificate from another CA (refused). The scenarios of failure
// run in virtual time (node_core_test.cpp) and as separate processes
// (test/cluster_process).
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "agora/actor.hpp"
#include "agora/cluster/node.hpp"
#include "agora/ground.hpp"
#include "agora/text.hpp"
#include "test_pki.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

cluster::node_config config_for(std::uint64_t id, std::vector<std::string> seeds) {
  cluster::node_config c;
  c.id = id;
  c.listen = "127.0.0.1:0";
  c.seeds = std::move(seeds);
  c.secret.assign(32, std::byte{0x5a});
  return c;
}

/// A ground with a node, run on a thread of its own; its actor publishes
/// node(ID) and reports the first other node(_) it sees.
class running_node {
 public:
  explicit running_node(cluster::node_config config)
      : ground_(ground_config{.name = "node" + std::to_string(config.id),
                              .threads = 1,
                              .handle_signals = false,
                              .log = [](log_level, std::string_view) {}}),
        node_(ground_, config) {
    node_.on_started([this](const std::string& a) { address_.set_value(a); });
    const auto id = static_cast<std::int64_t>(config.id);
    thread_ = std::thread([this, id] {
      ground_.run(actor<>{}.on_start([this, id](turn<>& t) {
        t.at_cluster().publish(rec("node", id));
        t.at_cluster().subscribe("node($n)"_t, {.on_presence = [this, id](turn<>&, const presence& p) {
                                   if (p["n"] != term(id) && !seen_set_) {
                                     seen_set_ = true;
                                     seen_.set_value(p["n"].as_int());
                                   }
                                 }});
      }));
    });
  }
  ~running_node() {
    ground_.shutdown();
    thread_.join();
  }

  std::string address() { return address_future_.get(); }
  /// The id of the first other node seen, if one was within `timeout`.
  std::optional<std::int64_t> seen_within(std::chrono::milliseconds timeout) {
    if (seen_future_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return seen_future_.get();
  }
  cluster::cluster_status status() const { return node_.status(); }

 private:
  ground ground_;
  cluster::node node_;
  std::promise<std::string> address_;
  std::shared_future<std::string> address_future_ = address_.get_future().share();
  std::promise<std::int64_t> seen_;
  std::future<std::int64_t> seen_future_ = seen_.get_future();
  bool seen_set_ = false;  // the ground's thread only
  std::thread thread_;
};

cluster::tls_config tls_of(const cluster::tls_files& f) {
  return {true, f.certificate_file, f.private_key_file, f.ca_file};
}

}  // namespace

TEST_CASE("two nodes in one process meet over loopback TCP") {
  running_node one(config_for(1, {}));
  running_node two(config_for(2, {one.address()}));
  CHECK(one.seen_within(10s) == 2);
  CHECK(two.seen_within(10s) == 1);
  const auto s = one.status();
  REQUIRE(s.members.size() == 2);
  CHECK(s.members[1].state == "up");
  REQUIRE(s.links.size() == 1);
  CHECK(s.links[0].peer == 2);
}

TEST_CASE("with TLS 1.3 from the configuration, nodes of one CA link, another CA's are refused") {
  transport_test::test_pki pki;
  auto c1 = config_for(1, {});
  c1.tls = tls_of(pki.node_a);
  running_node one(c1);
  auto c2 = config_for(2, {one.address()});
  c2.tls = tls_of(pki.node_b);
  running_node two(c2);
  CHECK(one.seen_within(10s) == 2);
  CHECK(two.seen_within(10s) == 1);

  auto c3 = config_for(3, {one.address()});
  c3.tls = tls_of(pki.stranger);
  running_node stranger(c3);
  CHECK(stranger.seen_within(1500ms) == std::nullopt);
  CHECK(one.status().links.size() == 1);
}
