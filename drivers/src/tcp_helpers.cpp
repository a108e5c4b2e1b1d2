// The TCP helpers' actions: messages and feedback to the driver, always at
// the ground, where it lives.
#include "agora/drivers/tcp.hpp"

namespace agora::tcp {

namespace detail {

void feedback_credit(turn_base& t, const term& conn, std::int64_t n) {
  t.at_ground().feedback(rec("tcp.data", conn, rec("credit", n)));
}

}  // namespace detail

void write(turn_base& t, const term& conn, std::string_view bytes) {
  t.at_ground().send(rec("tcp.write", conn, term::bytes(bytes)));
}

void write_term(turn_base& t, const term& conn, term bytes) {
  t.at_ground().send(rec("tcp.write", conn, std::move(bytes)));
}

void write_many(turn_base& t, std::span<const term> conns, std::string_view bytes) {
  t.at_ground().send(rec("tcp.write_many", term::sequence(conns), term::bytes(bytes)));
}

void write_many(turn_base& t, std::initializer_list<term> conns, std::string_view bytes) {
  write_many(t, std::span<const term>(conns.begin(), conns.size()), bytes);
}

void write_all(turn_base& t, const term& listen, std::string_view bytes) {
  t.at_ground().send(rec("tcp.write_all", listen, term::bytes(bytes)));
}

void close(turn_base& t, const term& conn) { t.at_ground().send(rec("tcp.close", conn)); }

void grant(turn_base& t, const term& conn, std::int64_t n) { detail::feedback_credit(t, conn, n); }

}  // namespace agora::tcp
