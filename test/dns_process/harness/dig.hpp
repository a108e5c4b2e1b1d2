// `dig` (bind9-dnsutils) as the client, the way the issue asks: run
// `dig @HOST -p PORT NAME TYPE +tries=1 +time=2 [+tcp] [+norec] [+noedns]`
// and read its output: the status, the header flags, the records of each
// section with their TTLs, and the SERVER line (which says UDP or TCP: dig
// retries a truncated UDP answer over TCP unless +ignore).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dns_process {

struct dig_options {
  bool tcp = false;
  bool norec = false;
  bool noedns = false;
  std::vector<std::string> extra;  // more arguments, e.g. "+ignore"
};

/// One line of a section: "www.example.test. 3600 IN A 192.0.2.1".
struct dig_record {
  std::string name, rclass, type, data;  // data as dig prints it: "192.0.2.1", "\"a\" \"b\""
  std::uint32_t ttl = 0;
};

struct dig_result {
  int exit_code = -1;  // 0 when dig got an answer; 9 when no server replied
  std::string output;  // all it printed (stdout and stderr)
  std::string status;  // "NOERROR", "NXDOMAIN", ...; empty if no header was printed
  std::optional<std::uint16_t> id;
  std::vector<std::string> flags;  // "qr", "aa", "rd", "ra", "tc", ...
  std::vector<dig_record> answer, authority, additional;
  std::string server;  // after ";; SERVER: ": "127.0.0.1#5353(127.0.0.1) (UDP)"

  bool has_flag(const std::string& f) const;
  /// True if the SERVER line names TCP.
  bool over_tcp() const;
};

/// The program's path, or empty if dig is not installed.
std::string dig_program();

/// Runs dig (at most 10 s) and parses its output.
dig_result run_dig(const std::string& host, std::uint16_t port, const std::string& name, const std::string& type,
                   const dig_options& options = {});

/// Parses dig's output (for run_dig, and for tests of the parser).
dig_result parse_dig_output(std::string output);

}  // namespace dns_process
