// agora-node reads its secret with the cluster library's rules (their own
// tests: test/cluster/secret_test.cpp); here, that it does.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "scratch_dir.hpp"
#include "secret_file.hpp"

using agora::node_app::read_secret_file;
using agora_test::good_secret_hex;
using agora_test::scratch_dir;

namespace {

/// The message read_secret_file throws for `path` ("" if it does not throw).
std::string refusal(const std::string& path) {
  try {
    read_secret_file(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("secret file: 64 hex digits give the 32 bytes they spell") {
  scratch_dir dir;
  const auto secret = read_secret_file(dir.write("s", good_secret_hex() + "\n"));
  CHECK(secret.size() == 32);
}

TEST_CASE("secret file: the cluster library's rules refuse, naming the file and the fix") {
  scratch_dir dir;
  const auto open = dir.write("open", good_secret_hex(), 0644);
  CHECK(refusal(open).find("cluster secret file " + open) == 0);
  CHECK(refusal(open).find("chmod 600") != std::string::npos);
  CHECK(refusal(dir.write("short", std::string(62, 'a'))).find("hex digits") != std::string::npos);
  CHECK(refusal("") == "cluster secret file: no path given");
}
