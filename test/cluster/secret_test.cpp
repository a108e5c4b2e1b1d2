// load_secret: the file's type, mode, size and content rules, each refused
// with an error that names the file and the rule.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes_util.hpp"
#include "secret.hpp"

using namespace agora::cluster;
using namespace agora::cluster::test;
namespace fs = std::filesystem;

namespace {

const std::string hex64 = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

/// A fresh directory, removed with everything in it at the end of the test.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "agora-secret-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~scratch_dir() { fs::remove_all(path); }

  fs::path file(const std::string& name, const std::string& content, ::mode_t mode) const {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << content;
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
  }
};

std::string load_error(const fs::path& p) {
  try {
    load_secret(p);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "loaded";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("secret: 64 hex digits in an owner-only file load as 32 bytes") {
  scratch_dir dir;
  const cluster_secret s = load_secret(dir.file("secret", hex64 + "\n", 0600));
  CHECK(to_hex(s.bytes()) == "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  CHECK(load_secret(dir.file("ro", hex64, 0400)).bytes().size() == 32);
  CHECK(load_secret(dir.file("spaces", " \t\n" + hex64 + hex64 + "\r\n\n", 0600)).bytes().size() ==
        64);
}

TEST_CASE("secret: a file that group or others may access is refused") {
  scratch_dir dir;
  for (::mode_t mode : {0640, 0604, 0660, 0644, 0601, 0610, 0602}) {
    const fs::path p = dir.file("secret", hex64, mode);
    const std::string e = load_error(p);
    INFO(e);
    CHECK(contains(e, p.string()));
    CHECK(contains(e, "lets group or others access it"));
    CHECK(contains(e, fmt::format("mode {:04o}", mode)));
  }
}

TEST_CASE("secret: only a regular file is accepted (symbolic links are followed)") {
  scratch_dir dir;
  const std::string sub = load_error(dir.path);
  CHECK(contains(sub, "a directory; the secret must be a regular file"));

  const fs::path fifo = dir.path / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(contains(load_error(fifo), "a FIFO; the secret must be a regular file"));  // no hang

  CHECK(contains(load_error("/dev/null"), "a character device"));

  const fs::path target = dir.file("target", hex64, 0600);
  fs::create_symlink(target, dir.path / "link");
  CHECK(load_secret(dir.path / "link").bytes().size() == 32);

  const std::string missing = load_error(dir.path / "missing");
  CHECK(contains(missing, (dir.path / "missing").string()));
  CHECK(contains(missing, "cannot open it: No such file or directory"));
}

TEST_CASE("secret: fewer than 256 bits, odd digits, other characters and huge files are refused") {
  scratch_dir dir;
  const std::string short_key = load_error(dir.file("short", hex64.substr(0, 62), 0600));
  CHECK(contains(short_key, "62 hex digits (248 bits); at least 64 (256 bits) are needed"));
  CHECK(contains(load_error(dir.file("empty", "", 0600)), "0 hex digits"));
  CHECK(contains(load_error(dir.file("odd", hex64 + "a", 0600)), "an odd number of hex digits (65)"));

  const std::string inner = load_error(dir.file("inner", hex64.substr(0, 32) + " " + hex64, 0600));
  CHECK(contains(inner, "byte 32 is not a hex digit"));
  const std::string raw = load_error(dir.file("raw", std::string(40, '\x9c'), 0600));
  CHECK(contains(raw, "byte 0 is not a hex digit"));
  CHECK_FALSE(contains(raw, "\x9c"));  // the content is never echoed

  const std::string huge = load_error(dir.file("huge", std::string(5000, 'a'), 0600));
  CHECK(contains(huge, "5000 bytes is larger than the limit of 4096 bytes"));
}

TEST_CASE("secret: a key shorter than 32 bytes cannot be made") {
  CHECK_THROWS_AS(cluster_secret(bytes(31)), std::invalid_argument);
  CHECK(cluster_secret(bytes(32)).bytes().size() == 32);
}
