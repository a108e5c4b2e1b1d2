// Tests that need a program from Debian (nsd, dig) skip without it, with
// one line saying which program is missing and how to get it.
#pragma once

#include <optional>
#include <string>

#include "child_process.hpp"

namespace dns_process {

/// Nullopt if `program` is installed; else the line to print when skipping:
/// "nsd not found: test skipped (Debian package nsd; `bash scripts/bootstrap.sh --test` installs it)".
inline std::optional<std::string> missing_program(const std::string& program, const std::string& package) {
  if (!agora_apps::find_program(program).empty()) return std::nullopt;
  return program + " not found: test skipped (Debian package " + package +
         "; `bash scripts/bootstrap.sh --test` installs it)";
}

}  // namespace dns_process
