// The fuzzer's seeds (fuzz/corpus/fuzz_dns_message/) are valid messages
// that encode back to the same bytes — but for the one made not to fit
// once re-encoded (SRV targets the encoder writes in full): it comes back
// truncated. The other DNS targets' seeds (scripts/dns_fuzz_seeds.py) are
// checked for their shape below.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "dns_bytes.hpp"

TEST_CASE("dns fuzz seeds: every seed decodes and encodes back byte for byte, or truncated") {
  const std::filesystem::path dir = std::filesystem::path(AGORA_SOURCE_DIR) / "fuzz/corpus/fuzz_dns_message";
  REQUIRE(std::filesystem::is_directory(dir));
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    dns_test::bytes b;
    for (char c : text) b.push_back(static_cast<std::byte>(c));
    auto r = agora::dns::decode(b);
    CHECK_MESSAGE(r, entry.path().filename().string(), ": ", r ? "" : r.error().describe());
    if (!r) continue;
    const auto again = agora::dns::encode(*r);
    if (entry.path().filename() == "srv_targets_compressed_60k")
      CHECK(dns_test::decoded(again).header.tc);
    else
      CHECK_MESSAGE(again == b, entry.path().filename().string());
    ++seeds;
  }
  CHECK(seeds >= 9);
}

namespace {

std::vector<dns_test::bytes> seeds_of(const char* target) {
  const std::filesystem::path dir = std::filesystem::path(AGORA_SOURCE_DIR) / "fuzz/corpus" / target;
  std::vector<dns_test::bytes> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    dns_test::bytes b;
    for (char c : text) b.push_back(static_cast<std::byte>(c));
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

// The seeds scripts/dns_fuzz_seeds.py writes for the other DNS targets.
TEST_CASE("dns fuzz seeds: scrub seeds are two choice bytes and a reply that decodes") {
  const auto seeds = seeds_of("fuzz_dns_scrub");
  CHECK(seeds.size() >= 8);
  for (const auto& s : seeds) {
    REQUIRE(s.size() > 2 + agora::dns::header_size);
    const auto r = agora::dns::decode(std::span(s).subspan(2));
    CHECK_MESSAGE(r.ok(), (r ? std::string() : r.error().describe()));
    if (r) CHECK(r->header.qr);
  }
}

TEST_CASE("dns fuzz seeds: cache and intake seeds are there") {
  CHECK(seeds_of("fuzz_dns_cache").size() >= 5);
  const auto intake = seeds_of("fuzz_dns_intake");
  CHECK(intake.size() >= 8);
  int queries = 0;
  for (const auto& s : intake)
    if (const auto r = agora::dns::decode(s); r && !r->header.qr && r->questions.size() == 1) ++queries;
  CHECK(queries >= 4);
}
