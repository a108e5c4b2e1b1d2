// Checks shared by the DNS fuzz targets (fuzz_dns_*.cpp): a broken
// invariant prints what and aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codec/decode.hpp"
#include "codec/encode.hpp"

namespace dns_fuzz {

[[noreturn]] inline void violation(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", target, what.c_str());
  std::abort();
}

template <class T>
bool is_prefix(const std::vector<T>& part, const std::vector<T>& whole) {
  if (part.size() > whole.size()) return false;
  for (std::size_t i = 0; i < part.size(); ++i)
    if (!(part[i] == whole[i])) return false;
  return true;
}

/// `m` encoded, or nullopt when the codec documents the refusal: a decoded
/// message whose questions and OPT alone take over 65535 bytes once their
/// names are written out. Any other refusal aborts.
inline std::optional<std::vector<std::byte>> encode_documented(const char* target, const agora::dns::message& m,
                                                               const agora::dns::encode_options& options = {}) {
  try {
    return agora::dns::encode(m, options);
  } catch (const std::invalid_argument& e) {
    if (std::string_view(e.what()).find("questions and OPT take") == std::string_view::npos)
      violation(target, std::string("encode refused a message: ") + e.what());
    return std::nullopt;
  }
}

inline agora::dns::message must_decode(const char* target, std::span<const std::byte> wire, const char* what) {
  auto r = agora::dns::decode(wire);
  if (!r) violation(target, std::string(what) + " does not decode: " + r.error().describe());
  return std::move(r).value();
}

/// `again`, decoded from an encoding of `m`: the same message, or (the
/// encoding did not fit its limit) a truncation of it: TC set, every
/// section a prefix of the original's, no additional records after a cut.
inline void check_same_or_truncated(const char* target, const agora::dns::message& m,
                                    const agora::dns::message& again) {
  if (again.questions != m.questions) violation(target, "questions changed");
  if (again.edns != m.edns) violation(target, "EDNS changed");
  agora::dns::header h = again.header;
  h.tc = m.header.tc;
  if (!(h == m.header)) violation(target, "header changed");
  if (m.header.tc && !again.header.tc) violation(target, "TC cleared");
  if (!is_prefix(again.answers, m.answers) || !is_prefix(again.authorities, m.authorities) ||
      !is_prefix(again.additionals, m.additionals))
    violation(target, "a section is not a prefix of the original's");
  const bool whole = again.answers.size() == m.answers.size() && again.authorities.size() == m.authorities.size();
  if (!whole && !again.header.tc) violation(target, "answer or authority records dropped without TC");
  if (whole && again.header.tc && !m.header.tc) violation(target, "TC set, but nothing needed was dropped");
  if (!whole && !again.additionals.empty()) violation(target, "answers cut, but additional records kept");
}

}  // namespace dns_fuzz
