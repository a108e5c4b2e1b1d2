#include "op.hpp"

#include <array>
#include <fmt/format.h>
#include <stdexcept>

#include "fields.hpp"
#include "wire.hpp"

namespace agora::cluster {

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

constexpr std::string_view member_fields[] = {"ID", "INC", "ADDRESS", "STATE"};
constexpr std::string_view members_fields[] = {"MEMBERS"};
constexpr std::string_view reason_fields[] = {"REASON"};
constexpr std::string_view declare_fields[] = {"H", "ROLE", "INTEREST", "FLAGS", "TOPIC"};
constexpr std::string_view withdraw_fields[] = {"H", "REASON"};
constexpr std::string_view body_fields[] = {"BODY"};
constexpr std::string_view count_fields[] = {"N"};
constexpr std::string_view time_fields[] = {"T"};
constexpr std::string_view tag_fields[] = {"TAG"};
constexpr std::string_view status_fields[] = {"TAG", "STATUS"};

constexpr std::string_view state_names[] = {"up", "lost", "left"};
// one_of() indexes map onto these enums in declaration order.
static_assert(static_cast<int>(member_state::left) == 2);
static_assert(static_cast<int>(interest::participant) == 0 &&
              static_cast<int>(interest::observer) == 1 &&
              static_cast<int>(interest::everything) == 2);
constexpr std::int64_t all_flags = 0b111;

// msg(BODY) and fb(BODY): a record tag with one field (major 7, count 1),
// the label's length and octets; the body follows (WIRE.md).
constexpr std::array<std::byte, 5> msg_head = {std::byte{0xe1}, std::byte{3}, std::byte{'m'},
                                               std::byte{'s'}, std::byte{'g'}};
constexpr std::array<std::byte, 4> fb_head = {std::byte{0xe1}, std::byte{2}, std::byte{'f'},
                                              std::byte{'b'}};

// ---- building ---------------------------------------------------------------

// Rules are string views and formatted only on failure: msg and fb check
// theirs on the hot path.
void require(bool ok, std::string_view op, std::string_view rule) {
  if (!ok) throw std::invalid_argument(fmt::format("{}: {}", op, rule));
}

void require_no_problem(std::string_view op, std::string_view field,
                        const std::optional<std::string>& problem) {
  if (problem) throw std::invalid_argument(fmt::format("{}: {} {}", op, field, *problem));
}

term members_term(std::string_view op, const std::vector<member_info>& members) {
  std::vector<term> items;
  items.reserve(members.size());
  for (const member_info& m : members) {
    if (m.id < 1 || m.incarnation < 1)
      require(false, op,
              fmt::format("member id {} and incarnation {} must be >= 1", m.id, m.incarnation));
    require_no_problem(op, "member address", address_problem(m.address));
    require(static_cast<std::size_t>(m.state) < std::size(state_names), op,
            "unknown member state");
    items.push_back(rec("member", m.id, m.incarnation, m.address,
                        sym(state_names[static_cast<std::size_t>(m.state)])));
  }
  return term::sequence(std::move(items));
}

const term& checked_reason(std::string_view op, const term& reason) {
  require_no_problem(op, "REASON", reason_problem(reason));
  return reason;
}

std::int64_t non_negative(std::string_view op, std::string_view field, std::int64_t v) {
  if (v < 0) require(false, op, fmt::format("{} {} is not >= 0", field, v));
  return v;
}

void append_body(std::span<const std::byte> head, std::string_view op, const term& body,
                 std::vector<std::byte>& payload) {
  require(body.is_concrete(), op, "BODY must not hold a wildcard or a capture");
  payload.insert(payload.end(), head.begin(), head.end());
  encode_item(body, payload);
}

// ---- reading ----------------------------------------------------------------

member_info read_member(const term& t) {
  const record_fields m(t, "member", member_fields);
  return member_info{.id = m.integer(0, 1),
                     .incarnation = m.integer(1, 1),
                     .address = std::string(m.address(2, false)),
                     .state = static_cast<member_state>(m.one_of(3, {"up", "lost", "left"}))};
}

/// The MEMBERS of welcome(MEMBERS) or members(MEMBERS).
std::vector<member_info> read_members(const term& t) {
  const record_fields f(t, t.label(), members_fields);
  const term& list = f[0];
  if (!list.is_sequence()) f.fail(0, "must be a list of member(ID, INC, ADDRESS, STATE)");
  std::vector<member_info> members;
  members.reserve(list.size());
  for (std::size_t k = 0; k < list.size(); ++k) {
    try {
      members.push_back(read_member(list[k]));
    } catch (const protocol_error& e) {
      throw protocol_error(fmt::format("{}: MEMBERS item {}: {}", t.label(), k + 1, e.what()),
                           e.refusal());
    }
  }
  return members;
}

std::int64_t flags_of(const record_fields& f, std::size_t i) {
  const term& v = f[i];
  if (!v.is_int() || v.as_int() < 0 || v.as_int() > all_flags)
    f.fail(i, "must be an integer from 0 to 7");
  return v.as_int();
}

op read_op(const term& t) {
  const std::string_view label = t.label();
  if (label == "msg") return ops::msg{record_fields(t, label, body_fields).concrete(0)};
  if (label == "fb") return ops::fb{record_fields(t, label, body_fields).concrete(0)};
  if (label == "declare") {
    const record_fields f(t, label, declare_fields);
    ops::declare d;  // fields checked in order, so an error names the first bad one
    d.handle = f.integer(0, 0);
    d.role = f.one_of(1, {"publisher", "subscriber"}) == 0 ? role::publisher : role::subscriber;
    d.interest = static_cast<interest>(f.one_of(2, {"participant", "observer", "everything"}));
    const std::int64_t flags = flags_of(f, 3);
    d.presence = (flags & 1) != 0;
    d.absence = (flags & 2) != 0;
    d.message = (flags & 4) != 0;
    d.topic = f[4];
    return d;
  }
  if (label == "withdraw") {
    const record_fields f(t, label, withdraw_fields);
    return ops::withdraw{f.integer(0, 0), f.reason(1)};
  }
  if (label == "ack") return ops::ack{record_fields(t, label, count_fields).integer(0, 0)};
  if (label == "ping") return ops::ping{record_fields(t, label, time_fields).integer(0, 0)};
  if (label == "pong") return ops::pong{record_fields(t, label, time_fields).integer(0, 0)};
  if (label == "members") return ops::members{read_members(t)};
  if (label == "welcome") return ops::welcome{read_members(t)};
  if (label == "refuse") return ops::refuse{record_fields(t, label, reason_fields).reason(0)};
  if (label == "bye") return ops::bye{record_fields(t, label, reason_fields).reason(0)};
  if (label == "status_req")
    return ops::status_req{record_fields(t, label, tag_fields).integer(0, 0)};
  if (label == "status") {
    const record_fields f(t, label, status_fields);
    return ops::status{f.integer(0, 0), f.concrete(1)};
  }
  throw protocol_error(fmt::format("unknown op {}/{}", brief(sym(label)), t.size()));
}

}  // namespace

std::string_view op_name(const op& o) noexcept {
  static constexpr std::string_view names[] = {
      "welcome", "refuse", "members", "declare", "withdraw",   "msg",   "fb",
      "ack",     "ping",   "pong",    "bye",     "status_req", "status"};
  static_assert(std::size(names) == std::variant_size_v<op>);
  return names[o.index()];
}

term to_term(const op& o) {
  return std::visit(
      overloaded{
          [](const ops::welcome& w) { return rec("welcome", members_term("welcome", w.members)); },
          [](const ops::refuse& r) { return rec("refuse", checked_reason("refuse", r.reason)); },
          [](const ops::members& m) { return rec("members", members_term("members", m.list)); },
          [](const ops::declare& d) {
            const std::int64_t flags =
                (d.presence ? 1 : 0) | (d.absence ? 2 : 0) | (d.message ? 4 : 0);
            return rec("declare", non_negative("declare", "H", d.handle), sym(to_string(d.role)),
                       sym(to_string(d.interest)), flags, d.topic);
          },
          [](const ops::withdraw& w) {
            return rec("withdraw", non_negative("withdraw", "H", w.handle),
                       checked_reason("withdraw", w.reason));
          },
          [](const ops::msg& m) {
            require(m.body.is_concrete(), "msg", "BODY must not hold a wildcard or a capture");
            return rec("msg", m.body);
          },
          [](const ops::fb& f) {
            require(f.body.is_concrete(), "fb", "BODY must not hold a wildcard or a capture");
            return rec("fb", f.body);
          },
          [](const ops::ack& a) { return rec("ack", non_negative("ack", "N", a.count)); },
          [](const ops::ping& p) { return rec("ping", non_negative("ping", "T", p.time)); },
          [](const ops::pong& p) { return rec("pong", non_negative("pong", "T", p.time)); },
          [](const ops::bye& b) { return rec("bye", checked_reason("bye", b.reason)); },
          [](const ops::status_req& s) {
            return rec("status_req", non_negative("status_req", "TAG", s.tag));
          },
          [](const ops::status& s) {
            require(s.report.is_concrete(), "status",
                    "STATUS must not hold a wildcard or a capture");
            return rec("status", non_negative("status", "TAG", s.tag), s.report);
          },
      },
      o);
}

op op_from_term(const term& t) {
  if (!t.is_record())
    throw protocol_error(fmt::format("expected an op (a record), got {}", brief(t)));
  return read_op(t);
}

void append_op(const op& o, std::vector<std::byte>& payload) {
  if (auto* m = std::get_if<ops::msg>(&o)) return append_msg(m->body, payload);
  if (auto* f = std::get_if<ops::fb>(&o)) return append_fb(f->body, payload);
  encode_item(to_term(o), payload);
}

void append_msg(const term& body, std::vector<std::byte>& payload) {
  append_body(msg_head, "msg", body, payload);
}

void append_fb(const term& body, std::vector<std::byte>& payload) {
  append_body(fb_head, "fb", body, payload);
}

op_reader::op_reader(std::span<const std::byte> payload, const decode_limits& limits)
    : payload_(payload), limits_(limits) {
  if (payload.empty()) throw protocol_error("empty session payload (no version byte)");
  if (const auto v = static_cast<std::uint8_t>(payload[0]); v != binary_version)
    throw protocol_error(
        fmt::format("session payload of version {} (this node reads {})", v, binary_version),
        sym("unsupported_version"));
  if (payload.size() == 1) throw protocol_error("session payload holds no op");
}

namespace {
/// Does the payload hold `head` at `offset`?
template <std::size_t N>
bool starts_with(std::span<const std::byte> payload, std::size_t offset,
                 const std::array<std::byte, N>& head) {
  return payload.size() - offset > N &&
         std::equal(head.begin(), head.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset));
}
}  // namespace

std::optional<op> op_reader::next() {
  if (offset_ == payload_.size()) return std::nullopt;
  const std::size_t start = offset_;
  ++count_;
  try {
    // The hot path: msg(BODY) and fb(BODY) decode their body alone, with no
    // record built around it (the same bytes, the same checks).
    const bool is_msg = starts_with(payload_, offset_, msg_head);
    if (is_msg || starts_with(payload_, offset_, fb_head)) {
      offset_ += is_msg ? msg_head.size() : fb_head.size();
      term body = decode_item(payload_, offset_, limits_, 1);
      if (!body.is_concrete())
        throw protocol_error(fmt::format(
            "{}: field 1 (BODY) must not hold a wildcard or a capture, got {}",
            is_msg ? "msg" : "fb", body.to_string()));
      if (is_msg) return ops::msg{std::move(body)};
      return ops::fb{std::move(body)};
    }
    const term t = decode_item(payload_, offset_, limits_);
    return op_from_term(t);
  } catch (const decode_error& e) {
    throw protocol_error(fmt::format("op {} at byte {}: {} (at byte {})", count_, start,
                                     e.message(), e.offset()));
  } catch (const protocol_error& e) {
    throw protocol_error(fmt::format("op {} at byte {}: {}", count_, start, e.what()),
                         e.refusal());
  }
}

std::vector<op> decode_ops(std::span<const std::byte> payload, const decode_limits& limits) {
  std::vector<op> out;
  op_reader reader(payload, limits);
  while (auto o = reader.next()) out.push_back(std::move(*o));
  return out;
}

}  // namespace agora::cluster
