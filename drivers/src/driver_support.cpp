#include "driver_support.hpp"

namespace agora::drivers_detail {

term any_of_arity(std::string_view label, std::size_t arity) {
  return term::record(label, std::vector<term>(arity, _));
}

void send_as(io_port& port, actor_id driver, term m) {
  port.post(driver, [m = std::move(m)](turn_base& t) mutable { t.send(std::move(m)); });
}

void driver_log::write(log_level level, std::string_view line) const {
  write_log(out_, level, fmt::format("{}: {}", name_, line));
}

void driver_log::ignore(const term& what, std::string_view why) {
  write_ignored(fmt::format("ignored {}: {}", what.to_string(), why));
}

}  // namespace agora::drivers_detail
