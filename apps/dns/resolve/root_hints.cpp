// The root hints parser: one line at a time into records (NS at the root,
// A/AAAA), then the servers the NS records name with the addresses found
// for them. Every loop is bounded by the line and byte limits.
#include "resolve/root_hints.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "codec/types.hpp"

namespace agora::dns {

std::string root_hints_error::describe() const {
  return line == 0 ? what : fmt::format("line {}: {}", line, what);
}

namespace {

constexpr std::uint64_t max_ttl = 0x7fffffff;  // RFC 2181 §8

/// One line's record: OWNER NS HOST, or OWNER A/AAAA ADDRESS.
struct hint_record {
  name owner;
  rr_type type = rr_type::ns;
  std::optional<name> host;          // NS
  std::optional<ip_address> address;  // A, AAAA
};

using line_result = result<std::optional<hint_record>, std::string>;  // nullopt: no record on the line

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

/// A name that ends with an unescaped dot ("\." is a dot inside a label).
bool is_absolute(std::string_view text) {
  if (text.empty() || text.back() != '.') return false;
  std::size_t backslashes = 0;
  for (std::size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
  return backslashes % 2 == 0;
}

result<name, std::string> absolute_name(std::string_view text) {
  if (text == "@") return std::string("'@' (the origin) is not supported: write names in full, ending with '.'");
  if (!is_absolute(text)) return fmt::format("relative name '{}' (names must end with '.')", text);
  auto n = name::from_text(text);
  if (!n) return fmt::format("bad name '{}': {}", text, n.error().describe());
  return std::move(*n);
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_class(std::string_view text) {
  for (const char* c : {"IN", "CH", "HS", "CS", "ANY"})
    if (iequals(text, c)) return true;
  return false;
}

/// The text before any ';', checked for characters a hints line cannot hold.
result<std::string_view, std::string> content_of(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
  if (const auto semicolon = line.find(';'); semicolon != std::string_view::npos) line = line.substr(0, semicolon);
  for (char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t') return fmt::format("control character 0x{:02x}", byte);
    if (c == '(' || c == ')') return std::string("parentheses (records over several lines) are not supported");
    if (c == '"') return std::string("quoted text is not expected in root hints");
  }
  return line;
}

/// The address of an A or AAAA record, in the text inet_pton reads
/// (dotted quad; RFC 4291 text), nothing else.
result<ip_address, std::string> address_of(rr_type type, std::string_view text) {
  const std::string s(text);
  if (type == rr_type::a) {
    std::array<std::uint8_t, 4> b{};
    if (inet_pton(AF_INET, s.c_str(), b.data()) != 1) return fmt::format("bad IPv4 address '{}'", text);
    return ip_address::v4(b);
  }
  std::array<std::uint8_t, 16> b{};
  if (inet_pton(AF_INET6, s.c_str(), b.data()) != 1) return fmt::format("bad IPv6 address '{}'", text);
  return ip_address::v6(b);
}

/// One line: OWNER [TTL] [CLASS] TYPE DATA (TTL and class in either
/// order), or a blank owner for the previous line's.
line_result parse_line(std::string_view raw, const std::optional<name>& previous_owner) {
  const auto content = content_of(raw);
  if (!content) return content.error();
  const std::vector<std::string_view> f = fields_of(*content);
  if (f.empty()) return std::optional<hint_record>{};
  std::size_t i = 0;
  hint_record rec;
  if (is_blank(content->front())) {
    if (!previous_owner) return std::string("no owner name, and no record before to take it from");
    rec.owner = *previous_owner;
  } else {
    if (f[0].front() == '$')
      return fmt::format("directive {} is not supported in root hints (records only, names in full)", f[0]);
    auto owner = absolute_name(f[0]);
    if (!owner) return owner.error();
    rec.owner = std::move(*owner);
    i = 1;
  }
  bool seen_ttl = false, seen_class = false;
  for (; i < f.size() && (all_digits(f[i]) || is_class(f[i])); ++i) {
    if (all_digits(f[i])) {
      if (seen_ttl) return fmt::format("a second TTL '{}'", f[i]);
      if (f[i].size() > 10 || std::stoull(std::string(f[i])) > max_ttl)
        return fmt::format("TTL {} is over {} (RFC 2181)", f[i], max_ttl);
      seen_ttl = true;
    } else {
      if (seen_class) return fmt::format("a second class '{}'", f[i]);
      if (!iequals(f[i], "IN")) return fmt::format("class {}: root hints are class IN", f[i]);
      seen_class = true;
    }
  }
  if (i == f.size()) return std::string("no record type after the owner");
  const std::string_view type_text = f[i++];
  if (iequals(type_text, "NS")) rec.type = rr_type::ns;
  else if (iequals(type_text, "A")) rec.type = rr_type::a;
  else if (iequals(type_text, "AAAA")) rec.type = rr_type::aaaa;
  else return fmt::format("record type {} is not expected in root hints (only NS, A and AAAA)", type_text);
  if (i == f.size())
    return fmt::format("{} record without its {}", type_text, rec.type == rr_type::ns ? "name server" : "address");
  if (i + 1 < f.size()) return fmt::format("unexpected '{}' after the {} record's data", f[i + 1], type_text);
  if (rec.type == rr_type::ns) {
    if (!rec.owner.is_root())
      return fmt::format("NS record for '{}': root hints hold only the root's (owner '.')", rec.owner.to_text());
    auto host = absolute_name(f[i]);
    if (!host) return host.error();
    rec.host = std::move(*host);
  } else {
    auto address = address_of(rec.type, f[i]);
    if (!address) return address.error();
    rec.address = *address;
  }
  return std::optional<hint_record>(std::move(rec));
}

/// The records gathered so far: the root's NS names in order (each once,
/// with the line of its first NS), every owner's addresses (each once).
class hints_builder {
 public:
  void add(hint_record rec, std::size_t line) {
    if (rec.type == rr_type::ns) {
      if (index_.emplace(*rec.host, servers_.size()).second) {
        servers_.push_back(root_server{std::move(*rec.host), {}});
        ns_lines_.push_back(line);
      }
      return;
    }
    auto& list = addresses_[rec.owner];
    const auto b = rec.address->bytes();
    if (seen_.emplace(rec.owner.canonical_key(), std::string(b.begin(), b.end())).second)
      list.push_back(*rec.address);
  }

  root_hints_result finish() && {
    if (servers_.empty())
      return root_hints_error{0, "no root NS record (a line like '.  3600000  NS  A.ROOT-SERVERS.NET.')"};
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const auto found = addresses_.find(servers_[i].host);
      if (found == addresses_.end())
        return root_hints_error{ns_lines_[i], fmt::format("root server '{}' has no A or AAAA record",
                                                          servers_[i].host.to_text())};
      servers_[i].addresses = std::move(found->second);
    }
    return std::move(servers_);
  }

 private:
  std::vector<root_server> servers_;
  std::vector<std::size_t> ns_lines_;
  std::unordered_map<name, std::size_t, name_hash> index_;
  std::unordered_map<name, std::vector<ip_address>, name_hash> addresses_;
  std::set<std::pair<std::string, std::string>> seen_;  // (owner key, address bytes)
};

}  // namespace

root_hints_result parse_root_hints(std::string_view text) {
  if (text.size() > max_root_hints_bytes)
    return root_hints_error{0, fmt::format("{} bytes: root hints are at most {} bytes", text.size(),
                                           max_root_hints_bytes)};
  hints_builder hints;
  std::optional<name> previous_owner;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    ++line_number;
    if (line_number > max_root_hints_lines)
      return root_hints_error{line_number, fmt::format("more than {} lines", max_root_hints_lines)};
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto parsed = parse_line(text.substr(start, end - start), previous_owner);
    start = end + 1;
    if (!parsed) return root_hints_error{line_number, parsed.error()};
    if (!*parsed) continue;
    previous_owner = (*parsed)->owner;
    hints.add(std::move(**parsed), line_number);
  }
  return std::move(hints).finish();
}

root_hints_result read_root_hints(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return root_hints_error{0, fmt::format("cannot read {}: it is a directory", file.string())};
  std::ifstream in(file, std::ios::binary);
  if (!in) return root_hints_error{0, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno))};
  std::string text(max_root_hints_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return root_hints_error{0, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno))};
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_root_hints_bytes)
    return root_hints_error{0, fmt::format("{} is larger than {} bytes: not a root hints file", file.string(),
                                           max_root_hints_bytes)};
  return parse_root_hints(text);
}

}  // namespace agora::dns
