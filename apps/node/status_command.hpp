// `agora-node status --connect HOST:PORT --secret-file F [--json] [--watch]`:
// joins the cluster as a client of one member, asks it for the cluster as
// it sees it, and prints the answer — once, or live until SIGINT (--watch).
#pragma once

#include <chrono>
#include <string>

namespace agora::node_app {

struct status_options {
  std::string connect;      // HOST:PORT of the member to ask
  std::string secret_file;
  bool json = false;        // one line of agora::cluster::to_json per answer
  bool watch = false;       // redraw every interval until SIGINT
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{5000};  // for the first answer
};

/// Exit code: 0 once answered (--watch: on SIGINT), 1 when no answer came
/// within the timeout, 2 for a bad secret file or address.
int run_status(const status_options& options);

}  // namespace agora::node_app
