#include "session.hpp"

#include <array>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>

#include "agora/binary.hpp"
#include "agora/cluster/transport.hpp"

namespace agora::cluster {

namespace {

constexpr auto session_type = static_cast<std::byte>(frame_type::session);
// type byte, payload version byte, at least one byte of an op
constexpr std::size_t min_payload = 2;
constexpr std::size_t min_frame = 1 + min_payload + session_tag_size;

std::array<std::byte, 8> u64be(std::uint64_t v) {
  std::array<std::byte, 8> out;
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = std::byte(v & 0xff);
  return out;
}

}  // namespace

session_sealer::session_sealer(session_key key) : mac_(key) {}

void session_sealer::begin(std::vector<std::byte>& wire) {
  wire.clear();
  wire.resize(frame_prefix_size);
  wire.push_back(session_type);
  wire.push_back(static_cast<std::byte>(binary_version));
}

void session_sealer::seal(std::vector<std::byte>& wire) {
  if (wire.size() < frame_prefix_size + min_payload || wire[frame_prefix_size] != session_type)
    throw std::logic_error("session_sealer::seal: the frame was not begun with begin()");
  if (wire.size() == frame_prefix_size + min_payload)
    throw std::logic_error("session_sealer::seal: the frame holds no op");
  if (wire.size() - frame_prefix_size + session_tag_size > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error(fmt::format("session frame of {} bytes does not fit a 4-byte length",
                                        wire.size() - frame_prefix_size + session_tag_size));
  if (sequence_ == std::numeric_limits<std::uint64_t>::max())
    throw std::length_error("session sequence numbers are used up");
  const auto seq = u64be(sequence_);
  const auto mac = mac_.mac({seq, std::span(wire).subspan(frame_prefix_size)});
  wire.insert(wire.end(), mac.begin(), mac.begin() + session_tag_size);
  put_frame_length(wire);
  ++sequence_;
}

session_opener::session_opener(session_key key) : mac_(key) {}

std::span<const std::byte> session_opener::open(std::span<const std::byte> frame) {
  if (!frame.empty() && frame[0] != session_type)
    throw protocol_error(fmt::format("expected a SESSION frame, got {}",
                                     frame_type_name(static_cast<std::uint8_t>(frame[0]))),
                         sym("unexpected_frame"));
  if (frame.size() < min_frame)
    throw protocol_error(fmt::format("SESSION frame of {} bytes is shorter than the minimum {} "
                                     "(type, payload version, an op, {}-byte tag)",
                                     frame.size(), min_frame, session_tag_size));
  const auto body = frame.first(frame.size() - session_tag_size);  // type and payload
  const auto tag = frame.last(session_tag_size);
  const auto mac = mac_.mac({u64be(sequence_), body});
  if (!equal_in_constant_time(std::span(mac).first(session_tag_size), tag))
    throw protocol_error(fmt::format(
        "SESSION frame {} of this link failed authentication: its tag does not match (the frame "
        "was altered, replayed, reordered or injected, or one was lost)",
        sequence_));
  ++sequence_;
  return body.subspan(1);
}

}  // namespace agora::cluster
