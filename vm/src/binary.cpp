// Binary encoding of terms (agora/binary.hpp; the same text is in
// docs/WIRE.md).
//
//   encoding = version term          version is one byte, currently 0x01
//   term     = tag payload
//
// The tag byte is split into a major type (high 3 bits) and an info field
// (low 5 bits):
//
//   major  tag range  kind      argument        payload after the argument
//   0      0x00-0x1f  simple    -               see below
//   1      0x20-0x3f  integer   zigzag(value)   -
//   2      0x40-0x5f  string    byte length     UTF-8 octets
//   3      0x60-0x7f  bytes     byte length     octets
//   4      0x80-0x9f  symbol    byte length     UTF-8 octets
//   5      0xa0-0xbf  capture   byte length     name octets ([A-Za-z_][A-Za-z0-9_]*)
//   6      0xc0-0xdf  sequence  item count      items (terms)
//   7      0xe0-0xff  record    field count     label, then fields (terms)
//
// Argument: info 0..30 is the argument itself; info 31 means the argument
// follows as a varint, and it must then be >= 31 (values up to 30 are always
// packed in the tag).
//
// Simple values (major 0): 0x00 false, 0x01 true, 0x02 wildcard `_`,
// 0x03 double followed by 8 bytes, the IEEE-754 binary64 bits in little-endian
// order. Tags 0x04-0x1f are reserved.
//
// Varint: unsigned LEB128, 7 bits per byte, least significant group first,
// high bit set on every byte but the last. At most 10 bytes (the 10th may only
// be 0x00 or 0x01), and minimal: the last byte of a multi-byte varint is not
// 0x00.
//
// zigzag(v) = (v << 1) ^ (v >> 63) maps 0, -1, 1, -2, ... to 0, 1, 2, 3, ...,
// so integers -15..15 take one byte.
//
// Record label: varint byte length, then the label symbol's UTF-8 octets.
//
// Every term has exactly one encoding, and the decoder rejects everything
// else, so decode and encode are inverse bijections between terms and valid
// inputs. In particular the only NaN accepted is the one a term stores
// (0x7ff8000000000000, the bits of the canonical quiet NaN); any other NaN
// bit pattern is rejected rather than silently canonicalised.
//
// The decoder rejects, with decode_error: input longer than max_size, an
// unknown version, unknown tags, truncated input, non-canonical varints and
// arguments, varints over 10 bytes or 64 bits, lengths or counts larger than
// the remaining input (checked before anything is allocated; every item takes
// at least one byte), invalid UTF-8 in strings, symbols and labels, invalid
// capture names, non-canonical NaNs, sequences/records nested deeper than
// max_depth (the outermost compound is depth 1, empty compounds count), and
// trailing bytes after the term.
//
// Error offsets: the first invalid byte for UTF-8 errors; the end of the input
// for truncation; the start of the varint for varint errors; the first
// trailing byte; max_size for oversized input; otherwise the tag byte of the
// offending term (or, for record labels, the start of the label).
//
// Neither direction recurses: both walk the term with an explicit stack, so
// arbitrarily deep terms encode, and decoding memory is linear in the input.
#include "agora/binary.hpp"

#include <bit>
#include <boost/container/small_vector.hpp>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <utility>

#include "binary_general.hpp"
#include "term_access.hpp"
#include "utf8.hpp"

namespace agora {

decode_error::decode_error(std::size_t offset, std::string message)
    : std::runtime_error(fmt::format("at byte {}: {}", offset, message)),
      offset_(offset),
      message_(std::move(message)) {}

namespace {

enum major_type : std::uint8_t {
  major_simple = 0,
  major_integer = 1,
  major_string = 2,
  major_bytes = 3,
  major_symbol = 4,
  major_capture = 5,
  major_sequence = 6,
  major_record = 7,
};

constexpr std::uint8_t tag_false = 0x00;
constexpr std::uint8_t tag_true = 0x01;
constexpr std::uint8_t tag_wildcard = 0x02;
constexpr std::uint8_t tag_double = 0x03;

constexpr std::uint8_t max_packed = 30;  // largest argument packed in a tag
constexpr std::uint8_t info_varint = 31;  // argument follows as a varint
constexpr std::size_t max_varint_bytes = 10;

constexpr std::uint64_t canonical_nan =
    std::bit_cast<std::uint64_t>(std::numeric_limits<double>::quiet_NaN());

std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t u) noexcept {
  return static_cast<std::int64_t>((u >> 1) ^ (0 - (u & 1)));
}

// ---- encoder ----------------------------------------------------------------

// Bytes are gathered in a small buffer on the stack and appended to the
// output when it fills and at the end: a short term costs one append, not
// a capacity check per byte and an insert per text. Long texts go straight
// to the output.
class writer {
 public:
  explicit writer(std::vector<std::byte>& out) : out_(out) {}
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  /// Appends what is buffered; call once, at the end.
  void finish() { flush(); }

  void put(std::uint8_t b) { *p_++ = static_cast<std::byte>(b); }

  void varint(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) put(static_cast<std::uint8_t>(v | 0x80));
    put(static_cast<std::uint8_t>(v));
  }

  // At most 11 bytes: room() is asked for them first.
  void head(major_type m, std::uint64_t argument) {
    if (argument <= max_packed) {
      put(static_cast<std::uint8_t>(m << 5 | argument));
    } else {
      put(static_cast<std::uint8_t>(m << 5 | info_varint));
      varint(argument);
    }
  }

  void octets(std::string_view s) {
    if (s.size() > long_text) {
      flush();
      append(reinterpret_cast<const std::byte*>(s.data()), s.size());
      return;
    }
    room(s.size());
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  void text(major_type m, std::string_view s) {
    head(m, s.size());
    octets(s);
  }

  // Writes t, except for the items of a sequence or record.
  void shallow(const term& t) {
    room(max_head);
    switch (t.kind()) {
      case kind::boolean:
        put(t.as_bool() ? tag_true : tag_false);
        break;
      case kind::integer:
        head(major_integer, zigzag(t.as_int()));
        break;
      case kind::real: {
        put(tag_double);
        auto bits = std::bit_cast<std::uint64_t>(t.as_double());
        for (int i = 0; i < 8; ++i) put(static_cast<std::uint8_t>(bits >> (8 * i)));
        break;
      }
      case kind::string:
        text(major_string, t.as_string());
        break;
      case kind::bytes:
        text(major_bytes, t.as_bytes());
        break;
      case kind::symbol:
        text(major_symbol, t.as_symbol());
        break;
      case kind::capture:
        text(major_capture, t.capture_name());
        break;
      case kind::sequence:
        head(major_sequence, t.size());
        break;
      case kind::record:
        head(major_record, t.size());
        varint(t.label().size());
        octets(t.label());
        break;
      case kind::wildcard:
        put(tag_wildcard);
        break;
    }
  }

 private:
  static constexpr std::size_t capacity = 256;
  static constexpr std::size_t long_text = 128;
  static constexpr std::size_t max_head = 1 + 10 + 10;  // a record: tag, count, label length

  void room(std::size_t n) {
    if (static_cast<std::size_t>(buffer_ + capacity - p_) < n) flush();
  }
  void flush() {
    append(buffer_, static_cast<std::size_t>(p_ - buffer_));
    p_ = buffer_;
  }
  void append(const std::byte* data, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = out_.size();
    out_.resize(at + n);
    std::memcpy(out_.data() + at, data, n);
  }

  std::vector<std::byte>& out_;
  std::byte buffer_[capacity];
  std::byte* p_ = buffer_;
};

// ---- decoder ----------------------------------------------------------------

class reader {
 public:
  reader(std::span<const std::byte> in, const decode_limits& limits, std::size_t pos = 0)
      : in_(in), limits_(limits), pos_(pos) {
    if (in_.size() > limits_.max_size)
      fail(limits_.max_size, fmt::format("input of {} bytes exceeds max_size ({} bytes)",
                                         in_.size(), limits_.max_size));
  }

  std::size_t pos() const noexcept { return pos_; }

  // The version byte, one term, and nothing after it.
  term whole() {
    if (auto v = next("the version byte"); v != binary_version)
      fail(0, fmt::format("unsupported version {} (expected {})", v, binary_version));
    term t = any_item(0);
    if (pos_ != in_.size())
      fail(pos_, fmt::format("{} trailing byte{} after the term", remaining(),
                             remaining() == 1 ? "" : "s"));
    return t;
  }

  // One term from the current position (no version byte), inside
  // `enclosing` compounds already open (they count against max_depth).
  term item(std::size_t enclosing = 0) {
    // Open compounds, innermost last. The items of all of them share one
    // vector, so memory stays linear in the input however the counts nest.
    // In place for the usual small term: a decode allocates only its nodes.
    struct frame {
      kind k;
      term label;
      std::size_t count;  // items expected
      std::size_t base;   // index of the first item in `items`
    };
    boost::container::small_vector<frame, 8> open;
    boost::container::small_vector<term, 16> items;

    for (;;) {
      const std::size_t at = pos_;
      const std::uint8_t tag = next("a term");
      const std::uint8_t info = tag & 0x1f;
      term t;
      switch (static_cast<major_type>(tag >> 5)) {
        case major_simple:
        case major_integer:
        case major_string:
        case major_bytes:
        case major_symbol:
        case major_capture:
          t = atom(tag, at);
          break;
        case major_sequence:
        case major_record: {
          if (open.size() + enclosing >= limits_.max_depth)
            fail(at, fmt::format("nesting deeper than {} (max_depth)", limits_.max_depth));
          const bool is_record = tag >> 5 == major_record;
          std::size_t count;
          term label;
          if (is_record) {
            count = argument(info, at, "record field count");
            label = record_label();
            check_remaining(count, at, "record field count");
          } else {
            count = length(info, at, "sequence item count");
          }
          if (count > 0) {
            open.push_back({is_record ? kind::record : kind::sequence,
                            std::move(label), count, items.size()});
            continue;
          }
          t = is_record ? term::record(label, {}) : term::sequence(std::vector<term>{});
          break;
        }
      }

      // t is complete: hand it to its parent, closing every compound it fills.
      for (;;) {
        if (open.empty()) return t;
        items.push_back(std::move(t));
        frame& f = open.back();
        if (items.size() - f.base < f.count) break;
        // Moved in: the items are the decoder's own, no count to touch.
        auto fields = std::span<term>(items.data() + f.base, items.size() - f.base);
        t = term_access::compound_of(f.k, f.k == kind::record ? &f.label : nullptr, fields);
        items.resize(f.base);
        open.pop_back();
      }
    }
  }

  // A record whose fields are all atoms, the usual message, read straight
  // into its node. Anything else (a compound field, a header item() would
  // read otherwise or reject) leaves the position as it was and returns
  // false, for item() to read. A field's error is the one item() gives:
  // the same reads in the same order.
  bool flat_record(std::size_t enclosing, term& out) {
    constexpr std::size_t max_fields = 8;
    const std::size_t at = pos_;
    if (remaining() < 2 || enclosing >= limits_.max_depth) return false;
    const auto tag = static_cast<std::uint8_t>(in_[pos_]);
    const std::size_t count = tag & 0x1f;
    if (tag >> 5 != major_record || count == 0 || count > max_fields) return false;
    const auto label_size = static_cast<std::uint8_t>(in_[pos_ + 1]);
    if ((label_size & 0x80) != 0 || label_size > remaining() - 2) return false;
    pos_ += 2;
    const term label = text(kind::symbol, label_size, at + 1, "record label");
    if (count > remaining()) {
      pos_ = at;
      return false;
    }
    // Fields constructed in place (no move of a term just written), and
    // destroyed here unless handed to the record.
    struct fields {
      alignas(term) std::byte raw[max_fields * sizeof(term)];
      std::size_t made = 0;
      term* at(std::size_t i) noexcept { return reinterpret_cast<term*>(raw) + i; }
      ~fields() {
        for (std::size_t i = 0; i < made; ++i) at(i)->~term();
      }
    } f;
    for (; f.made < count; ++f.made) {
      const std::size_t field_at = pos_;
      if (field_at == in_.size()) break;
      const auto field_tag = static_cast<std::uint8_t>(in_[field_at]);
      if (field_tag >> 5 == major_sequence || field_tag >> 5 == major_record) break;
      ++pos_;
      new (f.at(f.made)) term(atom(field_tag, field_at));
    }
    if (f.made < count) {
      pos_ = at;
      return false;
    }
    out = term_access::compound_of(kind::record, &label, std::span<term>(f.at(0), count));
    return true;
  }

  /// One term, the flat record way when it is one.
  term any_item(std::size_t enclosing) {
    if (term t; flat_record(enclosing, t)) return t;
    return item(enclosing);
  }

 private:
  // An atom whose tag (at `at`) was just read.
  term atom(std::uint8_t tag, std::size_t at) {
    const std::uint8_t info = tag & 0x1f;
    switch (static_cast<major_type>(tag >> 5)) {
      case major_simple: return simple(tag, at);
      case major_integer: return term(unzigzag(argument(info, at, "integer (zigzag)")));
      case major_string: return text_item(kind::string, info, at, "string length");
      case major_bytes: return text_item(kind::bytes, info, at, "bytes length");
      case major_symbol: return text_item(kind::symbol, info, at, "symbol length");
      default: return text_item(kind::capture, info, at, "capture length");
    }
  }

  [[noreturn]] static void fail(std::size_t at, std::string message) {
    throw decode_error(at, std::move(message));
  }

  std::size_t remaining() const noexcept { return in_.size() - pos_; }

  std::uint8_t next(std::string_view expected) {
    if (pos_ == in_.size())
      fail(pos_, fmt::format("unexpected end of input, expected {}", expected));
    return static_cast<std::uint8_t>(in_[pos_++]);
  }

  std::uint64_t varint(std::string_view what) {
    // One byte, the usual case: always canonical.
    if (pos_ < in_.size() && (static_cast<std::uint8_t>(in_[pos_]) & 0x80) == 0)
      return static_cast<std::uint8_t>(in_[pos_++]);
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    for (std::size_t i = 0;; ++i) {
      if (pos_ == in_.size())
        fail(pos_, fmt::format("unexpected end of input in {} varint", what));
      const std::uint8_t b = static_cast<std::uint8_t>(in_[pos_++]);
      if (i == max_varint_bytes - 1) {
        if (b & 0x80) fail(start, fmt::format("{}: varint longer than 10 bytes", what));
        if (b > 1) fail(start, fmt::format("{}: varint overflows 64 bits", what));
      }
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        if (b == 0 && i > 0)
          fail(start, fmt::format("{}: overlong varint (not minimally encoded)", what));
        return v;
      }
    }
  }

  std::uint64_t argument(std::uint8_t info, std::size_t at, std::string_view what) {
    if (info != info_varint) return info;
    const std::uint64_t v = varint(what);
    if (v <= max_packed)
      fail(at, fmt::format("non-canonical {} {}: values up to {} must be packed in the tag",
                           what, v, max_packed));
    return v;
  }

  // Every octet, item or field takes at least one byte, so a length or count
  // beyond the remaining input is rejected before anything is allocated.
  void check_remaining(std::uint64_t n, std::size_t at, std::string_view what) {
    if (n > remaining())
      fail(at, fmt::format("{} {} exceeds remaining input ({} bytes)", what, n, remaining()));
  }

  std::size_t length(std::uint8_t info, std::size_t at, std::string_view what) {
    const std::uint64_t n = argument(info, at, what);
    check_remaining(n, at, what);
    return static_cast<std::size_t>(n);
  }

  std::string_view octets(std::size_t n) {
    std::string_view s(reinterpret_cast<const char*>(in_.data()) + pos_, n);
    pos_ += n;
    return s;
  }

  term simple(std::uint8_t tag, std::size_t at) {
    switch (tag) {
      case tag_false: return term(false);
      case tag_true: return term(true);
      case tag_wildcard: return term::wildcard();
      case tag_double: {
        if (remaining() < 8)
          fail(in_.size(), fmt::format("unexpected end of input, a double needs 8 bytes ({} remain)",
                                       remaining()));
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i)
          bits |= static_cast<std::uint64_t>(in_[pos_ + i]) << (8 * i);
        pos_ += 8;
        const double d = std::bit_cast<double>(bits);
        if (std::isnan(d) && bits != canonical_nan)
          fail(at, fmt::format("non-canonical NaN 0x{:016x} (the only NaN is 0x{:016x})", bits,
                               canonical_nan));
        return term(d);
      }
      default:
        fail(at, fmt::format("unknown tag 0x{:02x}", tag));
    }
  }

  // Reads n octets (already checked against the remaining input) as a text
  // term of kind k; `at` is where errors other than bad UTF-8 are reported.
  term text(kind k, std::size_t n, std::size_t at, std::string_view noun) {
    const std::size_t payload_at = pos_;
    const std::string_view s = octets(n);
    try {
      switch (k) {
        case kind::string: return term::string(s);
        case kind::bytes: return term::bytes(s);
        case kind::symbol: return term::symbol(s);
        default: return term::capture(s);
      }
    } catch (const term_error& e) {
      if (auto bad = detail::first_invalid_utf8(s); bad != std::string_view::npos)
        fail(payload_at + bad, fmt::format("invalid UTF-8 in {}", noun));
      fail(at, fmt::format("invalid {}: {}", noun, e.what()));
    }
  }

  term text_item(kind k, std::uint8_t info, std::size_t at, std::string_view what) {
    return text(k, length(info, at, what), at, kind_name(k));
  }

  term record_label() {
    const std::size_t at = pos_;
    const std::uint64_t n = varint("record label length");
    check_remaining(n, at, "record label length");
    return text(kind::symbol, static_cast<std::size_t>(n), at, "record label");
  }

  std::span<const std::byte> in_;
  const decode_limits& limits_;
  std::size_t pos_;
};

}  // namespace

void encode_item(const term& t, std::vector<std::byte>& out) {
  writer w(out);
  // Iterators over the items still to write of each open compound; the
  // first levels in place, so that encoding a shallow term (a message on
  // the cluster's hot path) allocates nothing beyond its output.
  struct frame {
    const term* next;
    const term* end;
  };
  boost::container::small_vector<frame, 8> open;
  const term* cur = &t;
  for (;;) {
    w.shallow(*cur);
    if (auto items = cur->items(); !items.empty())
      open.push_back({items.data(), items.data() + items.size()});
    while (!open.empty() && open.back().next == open.back().end) open.pop_back();
    if (open.empty()) break;
    cur = open.back().next++;
  }
  w.finish();
}

void encode(const term& t, std::vector<std::byte>& out) {
  out.push_back(static_cast<std::byte>(binary_version));
  encode_item(t, out);
}

std::vector<std::byte> encode(const term& t) {
  std::vector<std::byte> out;
  encode(t, out);
  return out;
}

term decode(std::span<const std::byte> in, const decode_limits& limits) {
  return reader(in, limits).whole();
}

term decode_item(std::span<const std::byte> in, std::size_t& offset,
                 const decode_limits& limits, std::size_t enclosing) {
  if (offset > in.size())
    throw std::out_of_range(fmt::format("decode_item: offset {} is beyond the input ({} bytes)",
                                        offset, in.size()));
  reader r(in, limits, offset);
  term t = r.any_item(enclosing);
  offset = r.pos();
  return t;
}

namespace detail {

term decode_item_general(std::span<const std::byte> in, std::size_t& offset,
                         const decode_limits& limits, std::size_t enclosing) {
  if (offset > in.size())
    throw std::out_of_range(fmt::format("decode_item: offset {} is beyond the input ({} bytes)",
                                        offset, in.size()));
  reader r(in, limits, offset);
  term t = r.item(enclosing);
  offset = r.pos();
  return t;
}

}  // namespace detail

}  // namespace agora
