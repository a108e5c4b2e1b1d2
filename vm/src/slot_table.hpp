// A table of reusable slots named by slot_id (index + generation), for the
// VM's actors and endpoints: reserve, mark live, look up a live slot by id,
// release (the generation goes up, so a stale id never names the next
// occupant). Free slots form a list threaded through the slots themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>

namespace agora::detail {

inline constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

enum class slot_status : std::uint8_t { free, reserved, live };

/// `Slot` has the members `generation` (std::uint32_t) and `status`
/// (slot_status), and `FreeLink`, a std::uint32_t member that links free
/// slots (it may serve another list while the slot is in use). `Id` is a
/// slot_id. Slots never move: references to them stay valid.
template <class Slot, class Id, std::uint32_t Slot::*FreeLink>
class slot_table {
 public:
  /// A free slot (reused, most recently released first, or new), reserved:
  /// not live yet, and its free link is no_slot.
  std::uint32_t reserve() {
    std::uint32_t i;
    if (free_ != no_slot) {
      i = free_;
      free_ = slots_[i].*FreeLink;
    } else {
      i = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    slots_[i].status = slot_status::reserved;
    slots_[i].*FreeLink = no_slot;
    return i;
  }

  void mark_live(std::uint32_t i) noexcept {
    slots_[i].status = slot_status::live;
    ++live_;
  }

  /// Resets slot i (reserved or live) to a default Slot of the next
  /// generation and puts it on the free list.
  void release(std::uint32_t i) {
    auto& s = slots_[i];
    if (s.status == slot_status::live) --live_;
    const std::uint32_t generation = s.generation + 1;
    s = Slot{};
    s.generation = generation;
    s.status = slot_status::free;
    s.*FreeLink = free_;
    free_ = i;
  }

  /// The live slot `id` names, or null (never was, released, or reused).
  Slot* live(Id id) noexcept {
    if (id.index() >= slots_.size()) return nullptr;
    auto& s = slots_[id.index()];
    return s.status == slot_status::live && s.generation == id.generation() ? &s : nullptr;
  }
  const Slot* live(Id id) const noexcept { return const_cast<slot_table*>(this)->live(id); }

  Id id_of(std::uint32_t i) const noexcept { return Id::make(i, slots_[i].generation); }

  Slot& operator[](std::uint32_t i) noexcept { return slots_[i]; }
  const Slot& operator[](std::uint32_t i) const noexcept { return slots_[i]; }
  /// Slots ever made (free ones included): indexes run from 0 to size() - 1.
  std::size_t size() const noexcept { return slots_.size(); }
  std::size_t live_count() const noexcept { return live_; }

 private:
  std::deque<Slot> slots_;  // deque: slots never move
  std::uint32_t free_ = no_slot;
  std::size_t live_ = 0;
};

}  // namespace agora::detail
