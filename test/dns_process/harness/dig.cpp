#include "dig.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>

#include "child_process.hpp"

namespace dns_process {

bool dig_result::has_flag(const std::string& f) const {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

bool dig_result::over_tcp() const { return server.find("(TCP)") != std::string::npos; }

std::string dig_program() { return agora_apps::find_program("dig"); }

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

/// "name ttl class type data..." (whitespace-separated; data is the rest).
std::optional<dig_record> parse_record(const std::string& line) {
  std::istringstream in(line);
  dig_record r;
  std::string ttl;
  if (!(in >> r.name >> ttl >> r.rclass >> r.type)) return std::nullopt;
  if (ttl.empty() || ttl.size() > 10 || !std::all_of(ttl.begin(), ttl.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return std::nullopt;
  const auto value = std::stoull(ttl);
  if (value > 0xffffffffULL) return std::nullopt;
  r.ttl = static_cast<std::uint32_t>(value);
  std::getline(in >> std::ws, r.data);
  return r;
}

/// ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4711"
void parse_header(const std::string& line, dig_result& r) {
  if (const auto at = line.find("status: "); at != std::string::npos) {
    const auto end = line.find(',', at);
    r.status = line.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  }
  if (const auto at = line.find("id: "); at != std::string::npos) {
    const auto value = std::strtoul(line.c_str() + at + 4, nullptr, 10);
    if (value <= 0xffff) r.id = static_cast<std::uint16_t>(value);
  }
}

/// ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, ..."
void parse_flags(const std::string& line, dig_result& r) {
  const auto start = line.find("flags:") + 6;
  const auto end = line.find(';', start);
  std::istringstream in(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
  std::string f;
  while (in >> f) r.flags.push_back(f);
}

}  // namespace

dig_result parse_dig_output(std::string output) {
  dig_result r;
  std::vector<dig_record>* section = nullptr;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    // With a TC answer dig prints the UDP header, then retries over TCP and
    // prints everything again: the last header wins.
    if (line.find("->>HEADER<<-") != std::string::npos) {
      r.status.clear(), r.id.reset(), r.flags.clear();
      r.answer.clear(), r.authority.clear(), r.additional.clear();
      parse_header(line, r);
    } else if (starts_with(line, ";; flags:")) {
      parse_flags(line, r);
    } else if (starts_with(line, ";; ANSWER SECTION:")) {
      section = &r.answer;
    } else if (starts_with(line, ";; AUTHORITY SECTION:")) {
      section = &r.authority;
    } else if (starts_with(line, ";; ADDITIONAL SECTION:")) {
      section = &r.additional;
    } else if (starts_with(line, ";; SERVER: ")) {
      r.server = line.substr(11);
    } else if (line.empty() || line[0] == ';') {
      section = nullptr;
    } else if (section) {
      if (auto rec = parse_record(line)) section->push_back(std::move(*rec));
    }
  }
  r.output = std::move(output);
  return r;
}

dig_result run_dig(const std::string& host, std::uint16_t port, const std::string& name, const std::string& type,
                   const dig_options& options) {
  std::vector<std::string> argv{"dig", "@" + host, "-p", std::to_string(port), name, type, "+tries=1", "+time=2"};
  if (options.tcp) argv.push_back("+tcp");
  if (options.norec) argv.push_back("+norec");
  if (options.noedns) argv.push_back("+noedns");
  argv.insert(argv.end(), options.extra.begin(), options.extra.end());
  agora_apps::child_process dig(argv, {.pipe_stdin = false, .stderr_to_stdout = true, .stderr_file = {}, .env = {}});
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (dig.stdout_open() && std::chrono::steady_clock::now() < deadline) {
    if (auto line = dig.line(std::chrono::milliseconds(200))) output += *line + "\n";
  }
  const auto code = dig.wait_exit(std::chrono::seconds(2));  // else killed when `dig` goes
  dig_result r = parse_dig_output(std::move(output));
  r.exit_code = code ? *code : -1;
  return r;
}

}  // namespace dns_process
