// What passes between a VM and the VM nested in it, and how a tree of VMs
// is run. A nested VM appears in its parent as one "proxy" actor; its
// children's meta-level actions travel up as link operations, and events
// on the proxy's relay endpoints travel down. Operations are batched: a VM
// hands over each link's outbox once per slice, in order, so ordering per
// sender and receiver is kept across the boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/term.hpp"

namespace agora::detail {

class vm_core;

// posted: a function run as a turn of an actor (vm::post); never crosses a link.
enum class event_kind : std::uint8_t { start, presence, absence, message, feedback, posted };

enum class link_op_kind : std::uint8_t {
  // up: child VM -> parent VM
  add,     // declare endpoint `id` (child-side id) `levels` VMs up
  remove,  // withdraw endpoint `id`, reason `why`
  send,    // route `topic` `levels` VMs up (feedback: to publishers)
  spawn,   // spawn `spec` `levels` VMs up
  done,    // the child VM has no actors left; `why` is the last exit reason
  // down: parent VM -> child VM
  event,   // deliver event `event` to endpoint `id` of the child VM
  stop,    // the parent stopped the nested VM: stop everything with `why`
};

struct link_op {
  // Default member initializers everywhere: ops are built with designated
  // initializers naming only what they use.
  link_op_kind kind{};
  event_kind event = event_kind::message;  // event; also send: message or feedback
  std::uint8_t levels = 1;                 // add/send/spawn, counted from the receiver's child
  agora::role role = role::subscriber;     // add
  agora::interest interest = interest::participant;
  bool has_presence = false, has_absence = false, has_message = false;  // add
  std::uint64_t id = 0;
  term topic{};
  term why{};
  std::shared_ptr<actor_spec> spec{};  // spawn
};

using link_batch = std::vector<link_op>;

/// Carries batches to the VM at the other end of a link. Delivery is
/// asynchronous; a batch for a VM that has gone is dropped.
class link_channel {
 public:
  virtual ~link_channel() = default;
  virtual void deliver(link_batch&& ops) = 0;
};

/// Runs the VMs of a tree: creates the VM nested in `parent` for the proxy
/// whose link is `link`, starts its children, and returns the channel that
/// carries batches down to it. The child reports up through a channel the
/// executor gives it, tagged with `link`.
class vm_executor {
 public:
  virtual std::unique_ptr<link_channel> start_child(vm_core& parent, std::uint64_t link,
                                                    std::string name,
                                                    std::shared_ptr<const nested_vm_spec> spec) = 0;

 protected:
  virtual ~vm_executor() = default;
};

}  // namespace agora::detail
