// agora-node's secret file rules (apps/node/secret_file.hpp): a private
// regular file holding at least 32 bytes in hex.
#include <doctest/doctest.h>
#include <sys/stat.h>

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

TEST_CASE("secret file: 64 hex digits and a newline give the 32 bytes they spell") {
  scratch_dir dir;
  const auto secret = read_secret_file(dir.write("s", good_secret_hex()));
  REQUIRE(secret.size() == 32);
  for (std::size_t i = 0; i < secret.size(); ++i) CHECK(std::to_integer<std::size_t>(secret[i]) == i);
}

TEST_CASE("secret file: upper-case digits, surrounding whitespace and longer secrets are fine") {
  scratch_dir dir;
  const std::string hex(96, 'A');
  const auto secret = read_secret_file(dir.write("s", "  \t" + hex + "\r\n\n"));
  REQUIRE(secret.size() == 48);
  CHECK(std::to_integer<int>(secret[0]) == 0xaa);
  CHECK(read_secret_file(dir.write("readonly", good_secret_hex(), 0400)).size() == 32);
}

TEST_CASE("secret file: readable or writable by group or others is refused, with the fix") {
  scratch_dir dir;
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610}) {
    CAPTURE(mode);
    const auto path = dir.write("s", good_secret_hex(), mode);
    const auto why = refusal(path);
    CHECK(why.find(path) != std::string::npos);
    CHECK(why.find("group or others") != std::string::npos);
    CHECK(why.find("chmod 600") != std::string::npos);
  }
  CHECK(refusal(dir.write("s", good_secret_hex(), 0644)).find("mode 0644") != std::string::npos);
}

TEST_CASE("secret file: a missing file, a directory or a FIFO is refused (and a FIFO does not block)") {
  scratch_dir dir;
  const auto missing = (dir.path() / "nope").string();
  CHECK(refusal(missing) == "secret file " + missing + ": cannot open: No such file or directory");
  CHECK(refusal(dir.path().string()).find("not a regular file") != std::string::npos);
  const auto fifo = (dir.path() / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(refusal(fifo).find("not a regular file") != std::string::npos);
  CHECK(refusal("") == "secret file: no path given");
}

TEST_CASE("secret file: fewer than 32 bytes are refused, saying how many there are and are needed") {
  scratch_dir dir;
  const auto why = refusal(dir.write("s", std::string(62, 'a')));
  CHECK(why.find("31 bytes of secret (62 hex digits)") != std::string::npos);
  CHECK(why.find("at least 32 bytes (64 hex digits)") != std::string::npos);
  CHECK(refusal(dir.write("s", "")).find("empty") != std::string::npos);
  CHECK(refusal(dir.write("s", "\n \n")).find("empty") != std::string::npos);
}

TEST_CASE("secret file: anything but hex digits is refused, saying what and where") {
  scratch_dir dir;
  std::string text = good_secret_hex();
  text[10] = 'g';
  CHECK(refusal(dir.write("s", text)).find("'g' at offset 10 is not a hex digit") != std::string::npos);
  text[10] = '\x01';
  CHECK(refusal(dir.write("s", text)).find("byte 0x01 at offset 10") != std::string::npos);
  // Whitespace inside the secret is not hex either.
  CHECK(refusal(dir.write("s", std::string(32, 'a') + " " + std::string(32, 'a'))).find("' ' at offset 32") !=
        std::string::npos);
  CHECK(refusal(dir.write("s", std::string(65, 'a'))).find("odd number of hex digits (65)") != std::string::npos);
}

TEST_CASE("secret file: a file larger than the limit is refused without reading it all") {
  scratch_dir dir;
  const auto why = refusal(dir.write("s", std::string(agora::node_app::max_secret_file_bytes + 1, 'a')));
  CHECK(why.find("larger than 65536 bytes") != std::string::npos);
}
