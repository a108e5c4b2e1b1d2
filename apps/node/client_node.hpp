// What agora-node's client commands (status, submit, cancel) share: the
// client's cluster configuration from --connect and --secret-file, every
// problem told on stderr as "agora-node COMMAND: --option: what".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agora/cluster/config.hpp"

namespace agora::node_app {

/// A client's configuration dialing `connect`; nullopt after telling why.
std::optional<cluster::node_config> client_config(std::string_view command, const std::string& connect,
                                                  const std::string& secret_file);

}  // namespace agora::node_app
