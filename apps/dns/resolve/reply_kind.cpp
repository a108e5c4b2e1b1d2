#include "resolve/reply_kind.hpp"

namespace agora::dns {

std::string_view to_string(reply_kind kind) noexcept {
  switch (kind) {
    case reply_kind::answer: return "answer";
    case reply_kind::cname: return "cname";
    case reply_kind::nxdomain: return "nxdomain";
    case reply_kind::nodata: return "nodata";
    case reply_kind::referral: return "referral";
    case reply_kind::lame: return "lame";
    case reply_kind::server_error: return "server_error";
    case reply_kind::bad: return "bad";
  }
  return "?";
}

}  // namespace agora::dns
