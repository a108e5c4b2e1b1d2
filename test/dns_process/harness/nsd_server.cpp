#include "nsd_server.hpp"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "codec/types.hpp"
#include "dns_client.hpp"
#include "socket_fd.hpp"

namespace dns_process {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// The processes `pid` forked, and theirs (NSD forks twice: its xfrd and
/// a main that forks the server processes), at most 64.
std::vector<pid_t> descendants_of(pid_t pid) {
  std::vector<pid_t> out{pid};
  for (std::size_t i = 0; i < out.size() && out.size() < 64; ++i) {
    std::ifstream in("/proc/" + std::to_string(out[i]) + "/task/" + std::to_string(out[i]) + "/children");
    for (pid_t child; out.size() < 64 && in >> child;) out.push_back(child);
  }
  out.erase(out.begin());
  return out;
}

/// True once `pid` has exited (gone, or a zombie waiting for init).
bool has_exited(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return true;
  return text[paren + 2] == 'Z' || text[paren + 2] == 'X';
}

}  // namespace

nsd_server::nsd_server(std::vector<nsd_zone> zones, std::string address, std::uint16_t port,
                       std::chrono::milliseconds ready_timeout)
    : dir_("agora-nsd"), zones_(std::move(zones)), address_(std::move(address)) {
  if (zones_.empty()) throw std::invalid_argument("nsd_server: no zone");
  if (agora_apps::find_program("nsd").empty()) throw std::runtime_error("nsd is not installed");
  // A port picked here may be taken before NSD binds it: then NSD exits,
  // and another is tried. A port the caller gave is tried once.
  const int attempts = port == 0 ? 3 : 1;
  for (int i = 0; i < attempts; ++i) {
    const std::uint16_t p = port != 0 ? port : free_port(address_);
    const start_outcome outcome = start(p, ready_timeout);
    if (outcome == start_outcome::answering) {
      port_ = p;
      return;
    }
    if (outcome == start_outcome::silent) break;  // running but not answering: a retry would not help
  }
  const std::string log_text = log();
  stop();
  throw std::runtime_error("nsd did not answer on " + address_ + " (log below)\n" + log_text);
}

nsd_server::~nsd_server() { stop(); }

std::string nsd_server::log() const {
  std::ifstream in(dir_ / "nsd.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<int> nsd_server::stop() {
  if (!process_) return std::nullopt;
  const std::vector<pid_t> helpers = process_->pid() > 0 ? descendants_of(process_->pid()) : std::vector<pid_t>{};
  process_->signal(SIGTERM);
  auto code = process_->wait_exit(std::chrono::seconds(3));
  process_.reset();  // SIGKILL and reap if it still runs
  // NSD's first process exits without waiting for the server process,
  // which may answer a moment longer: wait for it too (its zombie is
  // init's).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (const pid_t h : helpers)
    while (!has_exited(h) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return code;
}

void nsd_server::write_files(std::uint16_t port) const {
  const std::string dir = dir_.path().string();
  std::string conf =
      "server:\n"
      "    ip-address: " + address_ + "@" + std::to_string(port) + "\n"
      "    port: " + std::to_string(port) + "\n"
      "    do-ip6: no\n"
      "    server-count: 1\n"
      "    verbosity: 1\n"
      "    username: \"\"\n"
      "    chroot: \"\"\n"
      "    database: \"\"\n"
      "    zonesdir: \"" + dir + "\"\n"
      "    zonelistfile: \"" + dir + "/zone.list\"\n"
      "    xfrdfile: \"" + dir + "/xfrd.state\"\n"
      "    xfrdir: \"" + dir + "\"\n"
      "    pidfile: \"" + dir + "/nsd.pid\"\n"
      "remote-control:\n"
      "    control-enable: no\n";
  for (const auto& z : zones_) {
    conf += "zone:\n    name: \"" + z.origin + "\"\n    zonefile: \"" + z.origin + "zone\"\n";
    write_file(dir_ / (z.origin + "zone"), z.text);
  }
  write_file(dir_ / "nsd.conf", conf);
}

nsd_server::start_outcome nsd_server::start(std::uint16_t port, std::chrono::milliseconds ready_timeout) {
  write_files(port);
  process_.emplace(std::vector<std::string>{"nsd", "-d", "-c", (dir_ / "nsd.conf").string()},
                   agora_apps::spawn_options{.pipe_stdin = false,
                                             .stderr_to_stdout = false,
                                             .stderr_file = (dir_ / "nsd.log").string(),
                                             .env = {}});
  // Ready when the first zone's SOA comes back with an answer (the zone
  // is loaded), not merely when the port is bound.
  const dns_client client(address_, port, std::chrono::milliseconds(100));
  const query_spec soa = ask(zones_.front().origin, agora::dns::rr_type::soa);
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto r = client.query(soa); r && !r->msg.answers.empty()) return start_outcome::answering;
    if (process_->wait_exit(std::chrono::milliseconds(0))) return start_outcome::exited;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return start_outcome::silent;
}

}  // namespace dns_process
