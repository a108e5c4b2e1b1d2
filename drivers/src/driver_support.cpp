#include "driver_support.hpp"

#include <cstdio>

namespace agora::drivers_detail {

term any_of_arity(std::string_view label, std::size_t arity) {
  return term::record(label, std::vector<term>(arity, _));
}

void driver_log::write(std::string_view line) const {
  const std::string text = fmt::format("{}: {}", name_, line);
  if (out_)
    out_(text);
  else
    fmt::print(stderr, "{}\n", text);
}

void driver_log::ignore(const term& what, std::string_view why) {
  write_ignored(fmt::format("ignored {}: {}", what.to_string(), why));
}

}  // namespace agora::drivers_detail
