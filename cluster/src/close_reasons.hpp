// Why a connection went away, as the reasons transport.hpp lists.
#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agora/term.hpp"

namespace agora::cluster::detail {

term reason_eof();
term reason_reset();
term reason_refused();
term reason_timeout();
term reason_closed();
term reason_error(std::string_view what);
/// too_long("frame of N bytes exceeds the limit of M bytes")
term reason_too_long(std::uint32_t announced, std::size_t limit);
/// eof, reset, refused, timeout or error("what") for a socket error
/// (error("tls: what") for a TLS one).
term reason_for(const boost::system::error_code& ec);
/// error("tls: what") for a failed handshake; `verify_result` is the
/// peer certificate's verification result (X509_V_OK when it passed).
term reason_tls(const boost::system::error_code& ec, long verify_result);

}  // namespace agora::cluster::detail
