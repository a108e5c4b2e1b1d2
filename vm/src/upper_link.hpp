// The root VM's link to its upper level (agora/upper_level.hpp): the same
// link operations a nested VM exchanges with its parent, translated to and
// from the public upper_action / upper_event types. Both directions keep
// their buffers: a steady stream allocates no batch.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "agora/upper_level.hpp"
#include "vm_link.hpp"

namespace agora::detail {

/// The root VM's channel up: each batch of link operations (add, remove,
/// send) becomes one upper_level::apply call, in order. The batch is read,
/// not taken: the caller keeps its storage.
class upper_channel final : public link_channel {
 public:
  explicit upper_channel(std::shared_ptr<upper_level> upper) : upper_(std::move(upper)) {}
  void deliver(link_batch&& ops) override;

 private:
  std::shared_ptr<upper_level> upper_;
  std::vector<upper_action> batch_;
};

/// The root_port an upper level talks to: events become a batch of link
/// operations handed to `to_root`, which takes them for the root VM's
/// receive_down (leaving the batch empty; it may swap in storage of its own).
class upper_port final : public root_port {
 public:
  upper_port(std::function<void(link_batch&)> to_root, std::function<void(bool)> hold)
      : to_root_(std::move(to_root)), hold_(std::move(hold)) {}
  void deliver(std::span<upper_event> events) override;
  using root_port::deliver;
  void hold(bool on) override { hold_(on); }

 private:
  std::function<void(link_batch&)> to_root_;
  std::function<void(bool)> hold_;
  link_batch ops_;
};

}  // namespace agora::detail
