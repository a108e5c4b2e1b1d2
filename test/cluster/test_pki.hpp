// Test certificates made on the fly with OpenSSL's C API: two CAs, two node
// certificates from the first and one from the second, written as PEM files
// to a temporary directory that goes with the object.
#pragma once

#include <string>

#include "agora/cluster/tcp_transport.hpp"

namespace transport_test {

struct test_pki {
  test_pki();
  ~test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  std::string dir;
  agora::cluster::tls_files node_a;    // certificate from CA 1; trusts CA 1
  agora::cluster::tls_files node_b;    // another certificate from CA 1; trusts CA 1
  agora::cluster::tls_files stranger;  // certificate from CA 2; trusts CA 2
};

}  // namespace transport_test
