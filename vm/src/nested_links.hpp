// The links of one VM in a tree of VMs: up to its parent (a nested VM has
// one; a root VM may have an upper level, the cluster) and down to each VM
// nested in it, which a proxy actor stands for here. This decodes the link operations (vm_link.hpp), forwards what is
// meant for a VM further up, and collects one batch per link per slice;
// what an operation does to the VM is up to the host (vm_core), called as:
//
//   std::uint32_t host.add_relay(proxy, link_op& add, shared_ptr<const relay_handlers>)
//                                          a child's meta-level endpoint appears here:
//                                          returns the relay endpoint's slot
//   host.remove_relay(endpoint_slot, why)  ... and goes
//   host.route(message, feedback)          a child's send or feedback, here
//   host.spawn_from_child(proxy, actor_spec&&)
//   host.child_done(proxy, why)            the child VM has no actors left
//   host.event_from_parent(link_op&)       an event for one of the host's endpoints
//   host.stop_from_parent(why)             the parent stopped this VM
//   host.on_batch(const link_batch&, proxy) a batch is handed over (proxy
//                                          no_slot: up to the parent)
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

#include "agora/actor.hpp"
#include "slot_table.hpp"
#include "vm_link.hpp"

namespace agora::detail {

/// The parent side of a nested VM: the channel down to it, the batch being
/// collected for it, and which relay endpoint stands for which of the
/// child's meta-level endpoints.
struct nested_link {
  std::uint64_t id = 0;
  std::unique_ptr<link_channel> down;
  link_batch outbox;
  std::unordered_map<std::uint64_t, std::uint32_t> relays;  // child endpoint id -> endpoint slot
  bool child_done = false;  // the child reported done: do not tell it to stop
};

/// The handlers of a proxy's relay endpoint: every event goes down to the
/// child VM's meta-level endpoint it stands for.
//
// Their events do not wait in the VM's queue nor run a turn: the VM appends
// them to the link's outbox at once (relay()), which keeps them in the
// order they arise. The handlers below are the same path, for completeness.
class relay_handlers final : public handler_set {
 public:
  relay_handlers(nested_link& link, std::uint64_t child_endpoint, const link_op& add)
      : link_(&link), child_(child_endpoint) {
    has_presence = add.has_presence;
    has_absence = add.has_absence;
    has_message = add.has_message;
  }
  /// Queues the event for the child VM's endpoint. The link outlives this:
  /// relay endpoints go before their proxy's link does.
  void relay(event_kind k, const term& topic, const term& why) const {
    auto& op = link_->outbox.emplace_back();  // in place: no temporary to read back
    op.kind = link_op_kind::event;
    op.event = k;
    op.id = child_;
    op.topic = topic;
    op.why = why;
  }
  void on_presence(turn_base&, const presence& e) const override;
  void on_absence(turn_base&, const absence& e) const override;
  void on_message(turn_base&, const message& e) const override;

 private:
  nested_link* link_;
  std::uint64_t child_;
};

class nested_links {
 public:
  /// `up`: the channel to the parent VM (null for a root VM).
  explicit nested_links(std::unique_ptr<link_channel> up) : up_(std::move(up)) {}

  // ---- up: to the parent VM

  bool has_parent() const noexcept { return up_ != nullptr; }
  /// A root VM's channel to its upper level (the cluster), given later.
  void attach_up(std::unique_ptr<link_channel> up) { up_ = std::move(up); }
  /// Queues an operation for the parent, sent with the slice's batch.
  void up(link_op op) { up_outbox_.push_back(std::move(op)); }
  /// up() of a send, built in place (the hot path: one per message).
  void up_send(event_kind k, std::uint8_t levels, term&& message) {
    auto& op = up_outbox_.emplace_back();
    op.kind = link_op_kind::send;
    op.event = k;
    op.levels = levels;
    op.topic = std::move(message);
  }
  /// Operations queued for the parent so far this slice.
  std::size_t up_pending() const noexcept { return up_outbox_.size(); }
  bool stopped_by_parent() const noexcept { return stopped_by_parent_; }

  /// Applies a batch from the parent. After a stop nothing more is applied,
  /// and nothing more goes up: the parent has forgotten this VM.
  template <class Host>
  void receive_down(link_batch&& ops, Host& host);

  // ---- down: the VMs nested in this one

  /// A new link for the proxy actor in slot `proxy`; the caller sets its
  /// channel down once the nested VM runs.
  nested_link& open(std::uint32_t proxy);
  /// Ends the link of the proxy in slot `proxy`, if it has one: the child
  /// is told to stop with `why` (unless it reported done), and whatever was
  /// collected for it still goes, in order.
  template <class Host>
  void close(std::uint32_t proxy, const term& why, Host& host);
  /// Applies a batch from the nested VM behind `link` (a link closed
  /// meanwhile: ignored).
  template <class Host>
  void receive_up(std::uint64_t link, link_batch&& ops, Host& host);
  std::size_t nested_count() const noexcept { return nested_.size(); }

  /// Hands every non-empty outbox to its channel: one batch per link per
  /// slice, up first.
  template <class Host>
  void flush(Host& host);

 private:
  /// Hands a batch over and leaves `outbox` empty with room for a batch of
  /// the same size (its own storage, when the channel did not take it), so
  /// a steady stream does not regrow it every slice.
  static void hand_over(link_channel& to, link_batch& outbox);

  std::unique_ptr<link_channel> up_;
  link_batch up_outbox_;
  bool stopped_by_parent_ = false;
  std::unordered_map<std::uint32_t, nested_link> nested_;        // by proxy actor slot
  std::unordered_map<std::uint64_t, std::uint32_t> link_slots_;  // link id -> proxy slot
  std::uint64_t next_link_ = 1;
};

template <class Host>
void nested_links::receive_down(link_batch&& ops, Host& host) {
  for (auto& op : ops) {
    if (stopped_by_parent_) return;
    switch (op.kind) {
      case link_op_kind::event:
        host.event_from_parent(op);
        break;
      case link_op_kind::stop:
        stopped_by_parent_ = true;
        host.stop_from_parent(op.why);
        up_outbox_.clear();
        break;
      default:
        break;  // up operations never come down
    }
  }
}

template <class Host>
void nested_links::close(std::uint32_t proxy, const term& why, Host& host) {
  auto node = nested_.extract(proxy);
  if (node.empty()) return;
  auto& l = node.mapped();
  link_slots_.erase(l.id);
  if (!l.child_done) l.outbox.push_back({.kind = link_op_kind::stop, .why = why});
  if (!l.outbox.empty() && l.down) {
    host.on_batch(l.outbox, proxy);
    l.down->deliver(std::move(l.outbox));
  }
}

template <class Host>
void nested_links::receive_up(std::uint64_t link, link_batch&& ops, Host& host) {
  auto slot = link_slots_.find(link);
  if (slot == link_slots_.end()) return;  // the nested VM was stopped meanwhile
  const std::uint32_t proxy = slot->second;
  // Stable: unordered_map keeps references across rehashing, and only
  // `done` (which returns) ends the link.
  auto& l = nested_.find(proxy)->second;
  for (auto& op : ops) {
    switch (op.kind) {
      case link_op_kind::add: {
        auto relay = std::make_shared<const relay_handlers>(l, op.id, op);
        const std::uint64_t child_endpoint = op.id;
        l.relays[child_endpoint] = host.add_relay(proxy, op, std::move(relay));
        break;
      }
      case link_op_kind::remove: {
        auto it = l.relays.find(op.id);
        if (it == l.relays.end()) break;
        const std::uint32_t e = it->second;
        l.relays.erase(it);
        host.remove_relay(e, op.why);
        break;
      }
      case link_op_kind::send:
      case link_op_kind::spawn:
        if (op.levels > 1) {  // for a VM further up
          --op.levels;
          up(std::move(op));
        } else if (op.kind == link_op_kind::send) {
          host.route(op.topic, op.event == event_kind::feedback);
        } else {
          host.spawn_from_child(proxy, std::move(*op.spec));
        }
        break;
      case link_op_kind::done:
        l.child_done = true;
        host.child_done(proxy, op.why);
        return;  // the link is gone
      case link_op_kind::event:
      case link_op_kind::stop:
        break;  // down operations never come up
    }
  }
}

template <class Host>
void nested_links::flush(Host& host) {
  if (!up_outbox_.empty() && up_ && !stopped_by_parent_) {
    host.on_batch(up_outbox_, no_slot);
    hand_over(*up_, up_outbox_);
  }
  up_outbox_.clear();
  for (auto& [proxy, l] : nested_)
    if (!l.outbox.empty()) {
      host.on_batch(l.outbox, proxy);
      hand_over(*l.down, l.outbox);
    }
}

}  // namespace agora::detail
