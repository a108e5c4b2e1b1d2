#include "close_reasons.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fmt/format.h>
#include <openssl/x509.h>

namespace agora::cluster::detail {

namespace asio = boost::asio;

term reason_eof() { return sym("eof"); }
term reason_reset() { return sym("reset"); }
term reason_refused() { return sym("refused"); }
term reason_timeout() { return sym("timeout"); }
term reason_closed() { return sym("closed"); }
term reason_error(std::string_view what) { return rec("error", what); }

term reason_too_long(std::uint32_t announced, std::size_t limit) {
  return rec("too_long", fmt::format("frame of {} bytes exceeds the limit of {} bytes", announced, limit));
}

term reason_for(const boost::system::error_code& ec) {
  // A TLS peer that closes without close_notify reads as eof too: frames
  // carry their own lengths, so nothing is cut short unnoticed.
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return reason_eof();
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::connection_aborted)
    return reason_reset();
  if (ec == asio::error::connection_refused) return reason_refused();
  if (ec == asio::error::timed_out) return reason_timeout();
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category())
    return reason_error("tls: " + ec.message());
  return reason_error(ec.message());
}

term reason_tls(const boost::system::error_code& ec, long verify_result) {
  std::string what = ec.message();
  if (verify_result != X509_V_OK)
    what += fmt::format(" ({})", X509_verify_cert_error_string(verify_result));
  return reason_error("tls: " + what);
}

}  // namespace agora::cluster::detail
