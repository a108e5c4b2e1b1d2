// The root VM's link to its upper level (agora/upper_level.hpp): the same
// link operations a nested VM exchanges with its parent, translated to and
// from the public upper_action / upper_event types.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "agora/upper_level.hpp"
#include "vm_link.hpp"

namespace agora::detail {

/// The root VM's channel up: each batch of link operations (add, remove,
/// send) becomes one upper_level::apply call, in order.
class upper_channel final : public link_channel {
 public:
  explicit upper_channel(std::shared_ptr<upper_level> upper) : upper_(std::move(upper)) {}
  void deliver(link_batch&& ops) override;

 private:
  std::shared_ptr<upper_level> upper_;
};

/// The root_port an upper level talks to: events become a batch of link
/// operations handed to `to_root`, which queues it for the root VM's
/// receive_down.
class upper_port final : public root_port {
 public:
  upper_port(std::function<void(link_batch&&)> to_root, std::function<void(bool)> hold)
      : to_root_(std::move(to_root)), hold_(std::move(hold)) {}
  void deliver(std::vector<upper_event> events) override;
  void hold(bool on) override { hold_(on); }

 private:
  std::function<void(link_batch&&)> to_root_;
  std::function<void(bool)> hold_;
};

}  // namespace agora::detail
