#include "tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace agora::cluster::detail {

namespace ssl = boost::asio::ssl;

namespace {

void require(const boost::system::error_code& ec, std::string_view what, const std::string& file) {
  if (ec) throw std::runtime_error(fmt::format("tls: cannot use {} {}: {}", what, file, ec.message()));
}

}  // namespace

ssl::context make_tls_context(const tls_files& files) {
  ssl::context ctx(ssl::context::tlsv13);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.certificate_file, ec);
  require(ec, "the certificate file", files.certificate_file);
  ctx.use_private_key_file(files.private_key_file, ssl::context::pem, ec);
  require(ec, "the private key file", files.private_key_file);
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    throw std::runtime_error(fmt::format("tls: the private key {} does not match the certificate {}",
                                         files.private_key_file, files.certificate_file));
  ctx.load_verify_file(files.ca_file, ec);
  require(ec, "the CA file", files.ca_file);
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  // No session resumption: no tickets after the handshake.
  SSL_CTX_set_num_tickets(native, 0);
  // A peer that closes without close_notify reads as eof (see close_reasons).
  SSL_CTX_set_options(native, SSL_OP_IGNORE_UNEXPECTED_EOF);
  return ctx;
}

}  // namespace agora::cluster::detail
