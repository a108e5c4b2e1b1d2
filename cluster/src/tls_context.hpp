// The TLS context of a transport: TLS 1.3 only, this node's certificate and
// key, and mutual verification against the cluster's CA.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "agora/cluster/tcp_transport.hpp"

namespace agora::cluster::detail {

/// Throws std::runtime_error naming the file that cannot be used.
boost::asio::ssl::context make_tls_context(const tls_files& files);

}  // namespace agora::cluster::detail
