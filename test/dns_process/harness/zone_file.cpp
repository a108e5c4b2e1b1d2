#include "zone_file.hpp"

#include <stdexcept>

namespace dns_process {

std::string absolute(const zone_spec& spec, const std::string& label) {
  return label + "." + spec.origin;
}

std::array<std::uint8_t, 4> host_address(std::size_t n) {
  return {10, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

std::vector<std::string> big_txt_strings(const zone_spec& spec) {
  // Chunks of 200 bytes, each starting with its number, so that a reply
  // that lost or reordered one is seen.
  std::vector<std::string> out;
  std::size_t left = spec.big_txt_bytes;
  for (std::size_t i = 0; left > 0; ++i) {
    std::string chunk = "chunk" + std::to_string(i) + "-";
    const std::size_t size = std::min<std::size_t>(left, 200);
    chunk.resize(std::max(chunk.size(), size), static_cast<char>('a' + i % 26));
    chunk.resize(size);
    out.push_back(std::move(chunk));
    left -= size;
  }
  return out;
}

std::vector<std::byte> txt_rdata(const std::vector<std::string>& strings) {
  std::vector<std::byte> out;
  for (const auto& s : strings) {
    if (s.size() > 255) throw std::invalid_argument("TXT string over 255 bytes");
    out.push_back(static_cast<std::byte>(s.size()));
    for (char c : s) out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

namespace {

std::string dotted(const std::array<std::uint8_t, 4>& a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

}  // namespace

std::string zone_text(const zone_spec& spec) {
  if (spec.origin.empty() || spec.origin.back() != '.')
    throw std::invalid_argument("zone origin must be absolute (end with '.'): '" + spec.origin + "'");
  if (spec.hosts > (std::size_t{1} << 24)) throw std::invalid_argument("at most 2^24 generated hosts");
  std::string z;
  z.reserve(200 + spec.hosts * 32 + spec.big_txt_bytes * 2);
  const auto line = [&z](const std::string& l) { z += l + "\n"; };
  line("$ORIGIN " + spec.origin);
  line("$TTL " + std::to_string(spec.default_ttl));
  line("@ " + std::to_string(spec.soa_ttl) + " IN SOA ns1 hostmaster " + std::to_string(spec.serial) +
       " 3600 600 86400 " + std::to_string(spec.soa_minimum));
  line("@ IN NS ns1");
  line("ns1 IN A " + spec.ns_address);
  line("@ IN MX " + std::to_string(mx_preference) + " mail");
  line("mail IN A " + dotted(mail_a));
  line("www IN A " + dotted(spec.www_address));
  line("www IN AAAA 2001:db8::1");
  line("txt " + std::to_string(txt_ttl) + " IN TXT \"" + txt_text + "\"");
  line("alias IN CNAME www");
  for (std::size_t i = 0; i < spec.cname_chain; ++i)
    line("chain" + std::to_string(i) + " IN CNAME " +
         (i + 1 == spec.cname_chain ? std::string("www") : "chain" + std::to_string(i + 1)));
  if (spec.big_txt_bytes > 0) {
    std::string txt = "big IN TXT (";
    for (const auto& s : big_txt_strings(spec)) txt += "\n  \"" + s + "\"";  // no quotes or backslashes in them
    line(txt + " )");
  }
  for (const auto& d : spec.delegations) {
    line(d.label + " IN NS " + d.ns_name);
    if (d.glue) line(d.ns_name + " IN A " + *d.glue);
  }
  for (std::size_t i = 0; i < spec.hosts; ++i)
    line("h" + std::to_string(i) + " " + std::to_string(spec.host_ttl) + " IN A " + dotted(host_address(i)));
  for (const auto& l : spec.extra_lines) line(l);
  return z;
}

}  // namespace dns_process
