// The process helpers' actions: messages and feedback to the driver, always
// at the ground, where it lives.
#include "agora/drivers/process.hpp"

namespace agora::process {

namespace detail {

void feedback_credit(turn_base& t, const term& id, stream s, std::int64_t n) {
  t.at_ground().feedback(rec("process.output", id, stream_symbol(s), rec("credit", n)));
}

}  // namespace detail

void write(turn_base& t, const term& id, std::string_view bytes) {
  t.at_ground().send(rec("process.input", id, term::bytes(bytes)));
}

void close_input(turn_base& t, const term& id) {
  t.at_ground().send(rec("process.input", id, sym("eof")));
}

void grant(turn_base& t, const term& id, stream s, std::int64_t n) { detail::feedback_credit(t, id, s, n); }

void stop(turn_base& t, const handle& h) {
  t.remove(h.output);
  t.remove(h.process);
}

}  // namespace agora::process
