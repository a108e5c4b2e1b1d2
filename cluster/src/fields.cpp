#include "fields.hpp"

#include <fmt/format.h>
#include <vector>

#include "agora/binary.hpp"

namespace agora::cluster {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_name_char(char c) noexcept {
  return is_letter(c) || is_digit(c) || c == '.' || c == '-' || c == '_';
}

std::optional<std::string> port_problem(std::string_view port) {
  if (port.empty()) return "has an empty port";
  bool digits = port.size() <= 5 && port[0] != '0';
  for (char c : port) digits = digits && is_digit(c);
  if (!digits || std::stoi(std::string(port)) > 65535)
    return std::string("has a port that is not a number from 1 to 65535");
  return std::nullopt;
}

std::optional<std::string> bracketed_host_problem(std::string_view host) {
  if (host.size() < 3 || host.back() != ']') return "has an unclosed '[' in its host";
  const std::string_view inside = host.substr(1, host.size() - 2);
  const std::size_t zone = inside.find('%');
  const std::string_view ip = inside.substr(0, zone);
  bool colon = false;
  for (char c : ip) {
    if (!is_hex(c) && c != ':' && c != '.') return "has a character other than hex digits, ':' and '.' in its IPv6 host";
    colon = colon || c == ':';
  }
  if (!colon) return "has no ':' in its bracketed IPv6 host";
  if (zone != std::string_view::npos) {
    const std::string_view name = inside.substr(zone + 1);
    if (name.empty()) return "has an empty zone after '%' in its IPv6 host";
    for (char c : name)
      if (!is_name_char(c)) return "has a character other than letters, digits, '.', '-' and '_' in its IPv6 zone";
  }
  return std::nullopt;
}

std::optional<std::string> host_problem(std::string_view host) {
  if (host.empty()) return "has an empty host";
  if (host[0] == '[') return bracketed_host_problem(host);
  for (char c : host) {
    if (c == ':') return "has an IPv6 host without brackets (write \"[::1]:7000\")";
    if (!is_name_char(c)) return "has a character other than letters, digits, '.', '-' and '_' in its host";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> cluster_name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > max_cluster_name_size)
    return fmt::format("is {} bytes long (at most {})", name.size(), max_cluster_name_size);
  for (char c : name)
    if (!is_name_char(c)) return "has a character other than letters, digits, '.', '-' and '_'";
  return std::nullopt;
}

std::optional<std::string> address_problem(std::string_view address) {
  if (address.size() > max_address_size)
    return fmt::format("is {} bytes long (at most {})", address.size(), max_address_size);
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return "is not \"host:port\" (no ':')";
  if (auto p = host_problem(address.substr(0, colon))) return p;
  return port_problem(address.substr(colon + 1));
}

std::optional<std::string> reason_problem(const term& reason) {
  if (!reason.is_symbol() && !reason.is_record()) return "is not a symbol or a record";
  if ((reason.is_symbol() ? reason.as_symbol() : reason.label()).empty())
    return "has an empty name";
  if (!reason.is_concrete()) return "holds a wildcard or a capture";
  std::vector<std::byte> encoded;
  encode_item(reason, encoded);
  if (encoded.size() > max_reason_size)
    return fmt::format("takes {} bytes encoded (at most {})", encoded.size(), max_reason_size);
  return std::nullopt;
}

std::optional<std::string> identity_problem(const node_identity& node) {
  if (node.id < 1) return fmt::format("node id {} is not >= 1", node.id);
  if (node.incarnation < 1) return fmt::format("incarnation {} is not >= 1", node.incarnation);
  if (node.role == node_role::client) {
    if (!node.address.empty()) return "a client has no listening address (it must be \"\")";
    return std::nullopt;
  }
  if (auto p = address_problem(node.address)) return "address " + *p;
  return std::nullopt;
}

std::string brief(const term& t) {
  constexpr std::size_t limit = 64;
  std::string s = t.to_string();
  if (s.size() > limit) {
    // Cut at a character boundary so the message stays valid UTF-8.
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    s = fmt::format("{}... ({} characters)", s.substr(0, cut), s.size());
  }
  return s;
}

record_fields::record_fields(const term& t, std::string_view label,
                             std::span<const std::string_view> names)
    : record_(t), label_(label), names_(names) {
  if (!t.is_record(label))
    throw protocol_error(fmt::format("expected {}({}), got {}", label, fmt::join(names, ", "),
                                     brief(t)));
  if (t.size() != names.size())
    throw protocol_error(fmt::format("{} takes {} fields ({}), got {}", label, names.size(),
                                     fmt::join(names, ", "), t.size()));
}

void record_fields::fail(std::size_t i, std::string_view rule) const {
  throw protocol_error(fmt::format("{}: field {} ({}) {}, got {}", label_, i + 1, names_[i], rule,
                                   brief(record_[i])));
}

std::int64_t record_fields::integer(std::size_t i, std::int64_t min) const {
  const term& f = record_[i];
  if (!f.is_int() || f.as_int() < min) fail(i, fmt::format("must be an integer >= {}", min));
  return f.as_int();
}

std::string_view record_fields::string(std::size_t i) const {
  if (!record_[i].is_string()) fail(i, "must be a string");
  return record_[i].as_string();
}

std::string_view record_fields::bytes(std::size_t i, std::size_t size) const {
  const term& f = record_[i];
  if (!f.is_bytes() || f.as_bytes().size() != size)
    fail(i, fmt::format("must be {} bytes", size));
  return f.as_bytes();
}

std::size_t record_fields::one_of(std::size_t i,
                                  std::initializer_list<std::string_view> symbols) const {
  const term& f = record_[i];
  if (f.is_symbol()) {
    std::size_t index = 0;
    for (std::string_view s : symbols) {
      if (f.as_symbol() == s) return index;
      ++index;
    }
  }
  fail(i, fmt::format("must be one of {}", fmt::join(symbols, ", ")));
}

const term& record_fields::reason(std::size_t i) const {
  if (auto p = reason_problem(record_[i])) fail(i, "is not a valid reason: it " + *p);
  return record_[i];
}

const term& record_fields::concrete(std::size_t i) const {
  if (!record_[i].is_concrete()) fail(i, "must not hold a wildcard or a capture");
  return record_[i];
}

std::string_view record_fields::address(std::size_t i, bool empty_allowed) const {
  const std::string_view a = string(i);
  if (a.empty() && empty_allowed) return a;
  if (auto p = address_problem(a)) fail(i, "must be an address \"host:port\"; it " + *p);
  return a;
}

}  // namespace agora::cluster
