// Which accept(2) errors are worth an immediate retry: those that concern
// only the connection being accepted (see accept(2), "Error handling").
// Others (EMFILE, ENFILE, ENOBUFS, ENOMEM) leave the connection in the
// backlog and the socket readable: a listener pauses before trying again.
#pragma once

#include <boost/system/error_code.hpp>

#include <cerrno>

namespace agora {

inline bool transient_accept_error(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case EINTR:
    case EAGAIN:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

}  // namespace agora
