// Framing for the TCP driver: term forms, wire parts and the decoder.
#include "agora/drivers/tcp_framing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace agora::tcp {

namespace {

constexpr std::string_view kind_label(framing_kind k) noexcept {
  switch (k) {
    case framing_kind::raw:
      return "raw";
    case framing_kind::lines:
      return "lines";
    case framing_kind::frames:
      return "frames";
    case framing_kind::frames16:
      return "frames16";
  }
  return "raw";
}

/// The length prefix of a framing with one, in bytes.
constexpr std::size_t prefix_size(framing_kind k) noexcept {
  return k == framing_kind::frames16 ? 2 : 4;
}

/// A buffer that held this much and is empty again is given back.
constexpr std::size_t shrink_above = 64 * 1024;

}  // namespace

std::optional<framing> read_framing(const term& t) {
  if (!t.is_record() || t.size() != 1 || !t[0].is_int()) return std::nullopt;
  const std::int64_t max = t[0].as_int();
  if (max < 1 || static_cast<std::uint64_t>(max) > max_framing_limit) return std::nullopt;
  if (t.label() == kind_label(framing_kind::frames16) && max > 0xffff) return std::nullopt;
  for (framing_kind k :
       {framing_kind::raw, framing_kind::lines, framing_kind::frames, framing_kind::frames16})
    if (t.label() == kind_label(k)) return framing{k, static_cast<std::size_t>(max)};
  return std::nullopt;
}

term framing_term(const framing& f) {
  return rec(kind_label(f.kind), static_cast<std::int64_t>(f.max));
}

bool encodable(const framing& f, std::size_t size) noexcept {
  switch (f.kind) {
    case framing_kind::frames:
      return size <= 0xffffffffu;
    case framing_kind::frames16:
      return size <= 0xffffu;
    default:
      return true;
  }
}

wire_parts wire_parts_for(const framing& f, std::size_t size) noexcept {
  wire_parts p;
  switch (f.kind) {
    case framing_kind::raw:
      break;
    case framing_kind::lines:
      p.newline = true;
      break;
    case framing_kind::frames: {
      const auto n = static_cast<std::uint32_t>(size);
      p.prefix[0] = static_cast<char>((n >> 24) & 0xff);
      p.prefix[1] = static_cast<char>((n >> 16) & 0xff);
      p.prefix[2] = static_cast<char>((n >> 8) & 0xff);
      p.prefix[3] = static_cast<char>(n & 0xff);
      p.prefix_size = 4;
      break;
    }
    case framing_kind::frames16: {
      const auto n = static_cast<std::uint16_t>(size);
      p.prefix[0] = static_cast<char>((n >> 8) & 0xff);
      p.prefix[1] = static_cast<char>(n & 0xff);
      p.prefix_size = 2;
      break;
    }
  }
  return p;
}

void encode(const framing& f, std::string_view payload, std::string& out) {
  const wire_parts p = wire_parts_for(f, payload.size());
  out.append(p.prefix, p.prefix_size);
  out.append(payload);
  if (p.newline) out.push_back('\n');
}

// ---- decoder ------------------------------------------------------------------

decoder::decoder(framing f) : framing_(f) {}

std::span<char> decoder::prepare(std::size_t n) {
  const std::size_t held = buffered();
  if (held == 0) {
    begin_ = end_ = 0;
    scanned_ = 0;
    if (capacity_ > shrink_above && n <= shrink_above) {
      data_.reset();
      capacity_ = 0;
    }
  }
  if (capacity_ - end_ < n) {
    if (held + n <= capacity_) {
      std::memmove(data_.get(), data_.get() + begin_, held);
    } else {
      const std::size_t cap = std::max(held + n, capacity_ * 2);
      auto bigger = std::make_unique_for_overwrite<char[]>(cap);
      if (held > 0) std::memcpy(bigger.get(), data_.get() + begin_, held);
      data_ = std::move(bigger);
      capacity_ = cap;
    }
    begin_ = 0;
    end_ = held;
  }
  return {data_.get() + end_, n};
}

void decoder::commit(std::size_t n) noexcept { end_ = std::min(end_ + n, capacity_); }

void decoder::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  auto room = prepare(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

void decoder::finish() noexcept { finished_ = true; }

void decoder::consume(std::size_t n) noexcept {
  begin_ += n;
  scanned_ = 0;
}

decoder::status decoder::fail(std::string what) {
  failed_ = true;
  error_ = std::move(what);
  return status::too_long;
}

decoder::status decoder::next(std::string_view& out) {
  if (failed_) return status::too_long;
  const char* base = data_.get() + begin_;
  const std::size_t held = buffered();
  const std::size_t max = framing_.max;

  switch (framing_.kind) {
    case framing_kind::raw: {
      if (held == 0) return finished_ ? status::end : status::need_more;
      const std::size_t n = std::min(held, max);
      out = {base, n};
      consume(n);
      return status::message;
    }

    case framing_kind::lines: {
      const void* nl = held > scanned_ ? std::memchr(base + scanned_, '\n', held - scanned_) : nullptr;
      if (nl) {
        const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        std::size_t content = len;
        if (content > 0 && base[content - 1] == '\r') --content;
        if (content > max) return fail(fmt::format("line longer than {} bytes", max));
        out = {base, content};
        consume(len + 1);
        return status::message;
      }
      scanned_ = held;
      // No '\n' yet: the line is at least `held` bytes, less a '\r' that may
      // turn out to be the start of "\r\n".
      if (held > max + 1 || (held == max + 1 && base[held - 1] != '\r'))
        return fail(fmt::format("line longer than {} bytes", max));
      if (!finished_) return status::need_more;
      if (held == 0) return status::end;
      std::size_t content = held;
      if (base[content - 1] == '\r') --content;
      out = {base, content};
      consume(held);
      return status::message;
    }

    case framing_kind::frames:
    case framing_kind::frames16: {
      const std::size_t prefix = prefix_size(framing_.kind);
      if (held < prefix) {
        if (!finished_) return status::need_more;
        truncated_ += held;
        consume(held);
        return status::end;
      }
      const auto* h = reinterpret_cast<const unsigned char*>(base);
      std::uint64_t len = 0;
      for (std::size_t i = 0; i < prefix; ++i) len = (len << 8) | h[i];
      if (len > max) return fail(fmt::format("frame of {} bytes, over {}", len, max));
      if (held - prefix < len) {
        if (!finished_) return status::need_more;
        truncated_ += held;
        consume(held);
        return status::end;
      }
      out = {base + prefix, static_cast<std::size_t>(len)};
      consume(prefix + static_cast<std::size_t>(len));
      return status::message;
    }
  }
  return status::need_more;
}

}  // namespace agora::tcp
