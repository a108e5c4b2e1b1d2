// `agora-node submit --connect HOST:PORT --secret-file F --parts N
//  [--interpreter NAME] [--timeout SECONDS] [--max-attempts K] SCRIPT [-- ARGS...]`:
// joins the cluster as a client, submits the script as a job of N parts and
// prints one JSON line per accepted part on stdout (docs/JOBS.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace agora::node_app {

struct submit_options {
  std::string connect, secret_file;
  std::int64_t parts = 1;
  std::string interpreter;  // "": from the script's #! line or its extension
  double timeout_s = 0;     // per part; 0: none
  std::int64_t max_attempts = 3;
  std::int64_t max_output = 1 << 20;
  double wait_s = 10;       // for the cluster and its leader
  std::string script;       // its path
  std::vector<std::string> args;
};

/// Exit status: 0 every part done; 1 a part failed for good; 2 usage or
/// configuration; 3 refused (no cluster, no leader in time, interpreter not
/// allowed); 130 cancelled (SIGINT, or agora-node cancel).
int run_submit(const submit_options& options);

/// The interpreter a script asks for: its #! line's program (the word after
/// "env" for #!/usr/bin/env NAME), else its extension (.py python3, .sh sh,
/// .pl perl, .rb ruby, .js node); "" if neither tells.
std::string guess_interpreter(const std::string& path, std::string_view content);

}  // namespace agora::node_app
