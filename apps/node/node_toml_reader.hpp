// Reads agora-node's TOML configuration (the layout of docs/NODE.md) into
// node_settings: each value checked for its type and range, unknown keys
// refused, relative paths taken from the file's folder.
#pragma once

#include <string>
#include <string_view>

#include "config_findings.hpp"
#include "node_config_file.hpp"

namespace agora::node_app {

/// Sets in `out` what `toml_text` sets, and notes in `found` where each
/// setting was made and what is wrong. `source` names the file in messages.
/// A TOML syntax error throws config_error at once.
void read_node_toml(std::string_view toml_text, const std::string& source, node_settings& out, findings& found);

}  // namespace agora::node_app
