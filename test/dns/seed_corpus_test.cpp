// The fuzzer's seeds (fuzz/corpus/fuzz_dns_message/) are valid messages
// that encode back to the same bytes — but for the one made not to fit
// once re-encoded (SRV targets the encoder writes in full): it comes back
// truncated.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

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
