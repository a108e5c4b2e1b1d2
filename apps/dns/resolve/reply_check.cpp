#include "resolve/reply_check.hpp"

#include <fmt/format.h>

#include "codec/query.hpp"

namespace agora::dns {

std::optional<std::string> reply_mismatch(const message& query, const message& reply) {
  if (!reply.header.qr) return std::string("QR is not set: a query, not a reply");
  if (reply.header.opcode != opcode::query)
    return fmt::format("opcode {} (expected QUERY)", to_string(reply.header.opcode));
  if (reply.header.id != query.header.id)
    return fmt::format("ID {} (expected {})", reply.header.id, query.header.id);
  return question_mismatch(query, reply);
}

}  // namespace agora::dns
