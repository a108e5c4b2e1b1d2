#include "nested_links.hpp"

#include <algorithm>

namespace agora::detail {

void relay_handlers::on_presence(turn_base&, const presence& e) const {
  relay(event_kind::presence, e.flow(), {});
}

void relay_handlers::on_absence(turn_base&, const absence& e) const {
  relay(event_kind::absence, e.flow(), e.why.as_term());
}

void relay_handlers::on_message(turn_base&, const message& e) const {
  relay(e.is_feedback ? event_kind::feedback : event_kind::message, e.body(), {});
}

nested_link& nested_links::open(std::uint32_t proxy) {
  const std::uint64_t link = next_link_++;
  auto& l = nested_[proxy];
  l.id = link;
  link_slots_[link] = proxy;
  return l;
}

void nested_links::hand_over(link_channel& to, link_batch& outbox) {
  constexpr std::size_t usual = 4096;  // ops in a slice's batch (slice.hpp)
  const std::size_t room = std::min(outbox.size(), usual);
  to.deliver(std::move(outbox));
  // A channel that took the batch left it empty; one that only read it
  // (the upper level's) left its storage here, kept unless a burst grew it.
  if (outbox.capacity() > 2 * usual) outbox = link_batch();
  outbox.clear();
  outbox.reserve(room);
}

}  // namespace agora::detail
