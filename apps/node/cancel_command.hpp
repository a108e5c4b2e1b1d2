// `agora-node cancel --connect HOST:PORT --secret-file F JOB`: ends a job
// everywhere (docs/JOBS.md): its submitter withdraws it, every worker stops
// its processes.
#pragma once

#include <string>

namespace agora::node_app {

struct cancel_options {
  std::string connect, secret_file, job;
  double wait_s = 5;  // to find the job, then to see it go
};

/// Exit status: 0 the job was cancelled (it is gone); 1 no such job seen
/// within the wait, or it did not go; 2 usage or configuration.
int run_cancel(const cancel_options& options);

}  // namespace agora::node_app
