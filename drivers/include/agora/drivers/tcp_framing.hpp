// agora::tcp framing — the pure part of the TCP driver: how a byte stream is
// cut into messages and how a message is put on the wire. No sockets, no
// VM: the driver, the tests and the fuzzer (fuzz/fuzz_tcp_framing.cpp) use
// the same code.
//
//   raw(MAX)     every chunk of at most MAX bytes is a message (no framing)
//   lines(MAX)   a message per line, without its "\n" or "\r\n"; a line of
//                more than MAX bytes is an error (too_long); at the end of
//                the stream an unterminated last line is a message too
//   frames(MAX)  a 4-byte big-endian length, then that many bytes; a length
//                over MAX is an error as soon as the header is in; a partial
//                frame at the end of the stream is dropped (truncated())
//   frames16(MAX) the same with a 2-byte length, MAX ≤ 65535: DNS over TCP
//                (RFC 1035 §4.2.2, RFC 7766)
//
// The decoder buffers at most what it was fed and has not handed out; for
// lines that is at most MAX + 1 bytes plus one read, for frames MAX + 4
// plus one read: a peer cannot make it grow beyond MAX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agora/term.hpp"

namespace agora::tcp {

enum class framing_kind : std::uint8_t { raw, lines, frames, frames16 };

struct framing {
  framing_kind kind = framing_kind::raw;
  std::size_t max = 65536;  // ≥ 1; for frames at most 0xffffffff
  friend bool operator==(const framing&, const framing&) = default;
};

/// Largest MAX accepted in a framing term: 1 GiB.
inline constexpr std::size_t max_framing_limit = std::size_t{1} << 30;

/// raw(MAX), lines(MAX) or frames(MAX) with 1 ≤ MAX ≤ max_framing_limit,
/// or frames16(MAX) with 1 ≤ MAX ≤ 65535; nullopt for anything else.
std::optional<framing> read_framing(const term& t);
/// The term of a framing: lines(1024).
term framing_term(const framing& f);

/// What goes around a payload on the wire: frames put a 4-byte big-endian
/// length before it, lines a "\n" after it, raw nothing.
struct wire_parts {
  char prefix[4] = {};
  std::uint8_t prefix_size = 0;
  bool newline = false;
  std::size_t overhead() const noexcept { return prefix_size + (newline ? 1u : 0u); }
};
/// The parts for a payload of `size` bytes. For frames, size must fit in
/// 32 bits (the caller checks with encodable()).
wire_parts wire_parts_for(const framing& f, std::size_t size) noexcept;
/// Can a payload of `size` bytes be sent with this framing?
bool encodable(const framing& f, std::size_t size) noexcept;
/// Appends the wire form of `payload` to `out`.
void encode(const framing& f, std::string_view payload, std::string& out);

class decoder {
 public:
  enum class status {
    message,    // `out` holds the next message
    need_more,  // feed more bytes (or finish())
    too_long,   // a line or frame over MAX: the stream is unusable (sticky)
    end,        // finish() was called and every message was handed out
  };

  explicit decoder(framing f);
  decoder(decoder&&) noexcept = default;
  decoder& operator=(decoder&&) noexcept = default;

  const framing& format() const noexcept { return framing_; }

  /// Room for `n` more bytes; write into it, then commit() what was written.
  /// Invalidates views returned by next().
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t n) noexcept;
  /// prepare + copy + commit.
  void feed(std::string_view bytes);
  /// The stream ended: an unterminated last line becomes a message, a
  /// partial frame is dropped.
  void finish() noexcept;

  /// The next message, as a view into the buffer valid until the next call
  /// of prepare(), feed() or next().
  status next(std::string_view& out);

  /// Bytes held (fed, not yet handed out).
  std::size_t buffered() const noexcept { return end_ - begin_; }
  /// Bytes of memory held by the buffer.
  std::size_t capacity() const noexcept { return capacity_; }
  /// For too_long: what was over the limit, e.g. "line longer than 1024 bytes".
  const std::string& error() const noexcept { return error_; }
  /// Bytes of a partial frame dropped by finish().
  std::size_t truncated() const noexcept { return truncated_; }
  bool finished() const noexcept { return finished_; }

 private:
  status fail(std::string what);
  void consume(std::size_t n) noexcept;

  framing framing_;
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0, end_ = 0;  // held bytes: [begin_, end_)
  std::size_t scanned_ = 0;          // lines: bytes after begin_ known to hold no '\n'
  std::size_t truncated_ = 0;
  bool finished_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace agora::tcp
