#include "dns_proxy_process.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "dns_client.hpp"

namespace dns_process {

dns_proxy_process::dns_proxy_process(const std::string& program, std::vector<std::string> args, std::string host,
                                     std::uint16_t port, std::chrono::milliseconds ready_timeout)
    : dir_("agora-dns-proxy"), host_(std::move(host)), port_(port) {
  args.insert(args.begin(), program);
  // Its stdout stays on the child_process pipe, unread: agora-dns logs to
  // stderr, and a pipe holds 64 KiB of anything else.
  process_.emplace(std::move(args), agora_apps::spawn_options{.pipe_stdin = false,
                                                              .stderr_to_stdout = false,
                                                              .stderr_file = (dir_ / "stderr.log").string(),
                                                              .env = {}});
  const dns_client client(host_, port_, std::chrono::milliseconds(100));
  const query_spec probe = ask(".", agora::dns::rr_type::soa);
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (client.query(probe)) return;  // any reply that decodes
    if (const auto code = process_->wait_exit(std::chrono::milliseconds(0))) {
      process_.reset();
      throw std::runtime_error(program + " exited with " + std::to_string(*code) + " before answering on " + host_ +
                               ":" + std::to_string(port_) + "; its stderr:\n" + stderr_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error(program + " did not answer on " + host_ + ":" + std::to_string(port_) + " within " +
                           std::to_string(ready_timeout.count()) + " ms; its stderr:\n" + stderr_text());
}

dns_proxy_process::~dns_proxy_process() { stop(); }

void dns_proxy_process::signal(int sig) const {
  if (process_) process_->signal(sig);
}

std::optional<int> dns_proxy_process::stop(std::chrono::milliseconds grace) {
  if (!process_) return std::nullopt;
  process_->signal(SIGCONT);  // a stopped process would not see SIGTERM until then
  process_->signal(SIGTERM);
  auto code = process_->wait_exit(grace);
  process_.reset();  // SIGKILL and reap if it still runs
  return code;
}

std::optional<int> dns_proxy_process::wait_exit(std::chrono::milliseconds timeout) {
  return process_ ? process_->wait_exit(timeout) : std::nullopt;
}

std::string dns_proxy_process::stderr_text() const {
  std::ifstream in(dir_ / "stderr.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace dns_process
