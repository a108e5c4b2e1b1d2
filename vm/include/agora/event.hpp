// Identifiers, roles, interests, absence reasons and the three events an
// endpoint receives: presence, absence and message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agora/pattern.hpp"
#include "agora/term.hpp"

namespace agora {

/// Identifies an actor or an endpoint within its VM: a slot index and the
/// slot's generation. Slots are reused; the generation makes a stale id never
/// alias a newer occupant.
template <class Tag>
struct slot_id {
  std::uint64_t value = 0;
  std::uint32_t index() const noexcept { return static_cast<std::uint32_t>(value); }
  std::uint32_t generation() const noexcept {
    return static_cast<std::uint32_t>(value >> 32);
  }
  static slot_id make(std::uint32_t index, std::uint32_t gen) noexcept {
    return {(std::uint64_t{gen} << 32) | index};
  }
  friend auto operator<=>(slot_id, slot_id) = default;
  /// "7", or "7.g2" for a reused slot.
  std::string to_string() const {
    auto text = std::to_string(index());
    return generation() == 0 ? text : text + ".g" + std::to_string(generation());
  }
};

using actor_id = slot_id<struct actor_tag>;
using endpoint_id = slot_id<struct endpoint_tag>;

enum class role : std::uint8_t { publisher, subscriber };

/// participant: sees participants, is seen by all.
/// observer:    sees participants, is invisible to participants and observers.
/// everything:  sees participants, observers and everything-endpoints.
enum class interest : std::uint8_t { participant, observer, everything };

std::string_view to_string(role r) noexcept;
std::string_view to_string(interest i) noexcept;

/// Why a flow went away. A reason is a term, so it can travel and print:
/// `deleted`, `quit`, `crashed("what")`, later `vm_stopped`, `node_lost(...)`.
class reason {
 public:
  reason() : reason(deleted()) {}
  explicit reason(term t) : term_(std::move(t)) {}

  static reason deleted() { return reason(sym("deleted")); }
  static reason quit() { return reason(sym("quit")); }
  static reason crashed(std::string_view what) { return reason(rec("crashed", what)); }
  /// The VM (or the whole ground) is shutting down in order.
  static reason shutdown() { return reason(sym("shutdown")); }

  /// The symbol or record label: "deleted", "quit", "crashed", ...
  std::string_view kind() const noexcept;
  /// For crashed(what) and similar: the first field as text, else "".
  std::string_view detail() const noexcept;
  bool is(std::string_view k) const noexcept { return kind() == k; }
  /// deleted, quit or shutdown: the counterpart went away on purpose.
  bool is_normal() const noexcept { return is("deleted") || is("quit") || is("shutdown"); }
  const term& as_term() const noexcept { return term_; }
  std::string to_string() const;  // text syntax of the term
  friend bool operator==(const reason&, const reason&) = default;

 private:
  term term_;
};

/// What all three events share: the endpoint that receives it, the topic
/// (the flow for presence/absence, the message body for messages) and the
/// endpoint's own pattern, against which captures are read.
class event_base {
 public:
  event_base(endpoint_id ep, term topic, const term& pattern)
      : endpoint(ep), topic_(std::move(topic)), pattern_(&pattern) {}

  endpoint_id endpoint;

  /// The value bound to capture `$name` of the endpoint's pattern; throws
  /// term_error naming the capture when the pattern has none such.
  const term& operator[](std::string_view name) const { return captures()[name]; }
  const bindings& captures() const;
  const term& pattern() const noexcept { return *pattern_; }

 protected:
  term topic_;

 private:
  const term* pattern_;
  mutable std::optional<bindings> captures_;
};

/// A visible counterpart flow appeared (its count went 0 → 1).
class presence : public event_base {
 public:
  using event_base::event_base;
  const term& flow() const noexcept { return topic_; }
};

/// A flow went away (count 1 → 0), and why.
class absence : public event_base {
 public:
  absence(endpoint_id ep, term flow, const term& pattern, reason why)
      : event_base(ep, std::move(flow), pattern), why(std::move(why)) {}
  const term& flow() const noexcept { return topic_; }
  reason why;
};

/// A message (to a subscriber) or feedback (to a publisher).
class message : public event_base {
 public:
  message(endpoint_id ep, term body, const term& pattern, bool feedback)
      : event_base(ep, std::move(body), pattern), is_feedback(feedback) {}
  const term& body() const noexcept { return topic_; }
  bool is_feedback;
};

}  // namespace agora

template <class Tag>
struct std::hash<agora::slot_id<Tag>> {
  std::size_t operator()(agora::slot_id<Tag> id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
