// libFuzzer target for the text parser: any input either fails with
// parse_error or parses to a term whose text form round-trips and is stable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "agora/text.hpp"

namespace {

[[noreturn]] void violation(const char* what, std::string_view input,
                            const std::string& text) {
  std::fprintf(stderr, "%s\n  input: %.*s\n  printed: %s\n", what,
               static_cast<int>(input.size()), input.data(), text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const agora::parse_limits limits{.max_depth = 64, .max_size = 4096};
  agora::term t;
  try {
    t = agora::parse(input, limits);
  } catch (const agora::parse_error&) {
    return 0;
  }
  // Printing may be longer than the input (e.g. "1e9" -> "1000000000.0").
  const agora::parse_limits reparse{.max_depth = limits.max_depth,
                                    .max_size = std::numeric_limits<std::size_t>::max()};
  const std::string text = agora::print(t);
  agora::term back;
  try {
    back = agora::parse(text, reparse);
  } catch (const agora::parse_error& e) {
    violation(e.what(), input, text);
  }
  if (!(back == t)) violation("parse(print(t)) != t", input, text);
  if (agora::print(back) != text) violation("printing is not stable", input, text);
  if (t.to_string() != text) violation("to_string() != print()", input, text);
  return 0;
}
