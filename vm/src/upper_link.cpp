#include "upper_link.hpp"

namespace agora::detail {

void upper_channel::deliver(link_batch&& ops) {
  batch_.clear();
  for (auto& op : ops) {
    switch (op.kind) {
      case link_op_kind::add:
        batch_.push_back({.kind = upper_action::kind::declare, .endpoint = op.id,
                          .topic = std::move(op.topic), .role = op.role, .interest = op.interest,
                          .presence = op.has_presence, .absence = op.has_absence,
                          .message = op.has_message});
        break;
      case link_op_kind::remove:
        batch_.push_back({.kind = upper_action::kind::withdraw, .endpoint = op.id,
                          .why = std::move(op.why)});
        break;
      case link_op_kind::send: {
        auto& a = batch_.emplace_back();  // in place, as in upper_port::deliver
        a.kind = op.event == event_kind::feedback ? upper_action::kind::feedback
                                                  : upper_action::kind::send;
        a.topic = std::move(op.topic);
        break;
      }
      default:
        break;  // spawn is refused in the turn; a root never reports done
    }
  }
  if (!batch_.empty()) upper_->apply(batch_);
  batch_.clear();
}

void upper_port::deliver(std::span<upper_event> events) {
  ops_.clear();
  for (auto& e : events) {
    event_kind k = event_kind::message;
    switch (e.kind) {
      case upper_event::kind::presence: k = event_kind::presence; break;
      case upper_event::kind::absence: k = event_kind::absence; break;
      case upper_event::kind::message: k = event_kind::message; break;
      case upper_event::kind::feedback: k = event_kind::feedback; break;
    }
    // Filled in place: a link_op built on the stack and then moved would
    // be read back while its stores are still in flight (a stall per op).
    auto& op = ops_.emplace_back();
    op.kind = link_op_kind::event;
    op.event = k;
    op.id = e.endpoint;
    op.topic = std::move(e.topic);
    op.why = std::move(e.why);
  }
  if (!ops_.empty()) to_root_(ops_);
  ops_.clear();
}

}  // namespace agora::detail
