// agora-dns's configuration: a TOML file (--config, layout in docs/DNS.md)
// and the command line over it. Every value is checked for type and range,
// unknown keys are refused, and all problems are told at once, each with
// its place ("dns.toml:7: cache.max_ttl: ..." or "--upstream: ...").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/proxy_settings.hpp"

namespace agora::dns {

struct config_error : std::runtime_error {
  explicit config_error(std::vector<std::string> problems);
  std::vector<std::string> problems;
};

/// "127.0.0.1:5300", "127.0.0.1" (port 53), "[::1]:5300", "::1"; the host an
/// IP literal, normalised ("::ffff:1.2.3.4" stays as written by the OS).
/// Throws std::invalid_argument with the reason.
upstream_address parse_upstream(std::string_view text);

/// Reads `toml_text` (from `source`, for messages) into `out`.
void read_dns_toml(std::string_view toml_text, const std::string& source, proxy_settings& out,
                   std::vector<std::string>& problems);

/// What is wrong with settings as a whole (no upstream, both modes, min_ttl
/// over max_ttl, attempts outlasting the client's deadline, a host that is
/// not an address), appended to `problems`.
void check_settings(const proxy_settings& s, std::vector<std::string>& problems);

/// The whole command line: agora-dns --port P [--host H] --upstream HOST:PORT ...
/// [--root-hints FILE] [--config FILE] [...]. Returns the settings, or exits
/// (0 for --help, 2 with the problems on stderr).
proxy_settings parse_command_line(int argc, char** argv);

}  // namespace agora::dns
