// A part's scratch directory: ROOT/JOB-PART-ATTEMPT with the script in it
// (mode 700 / 600), removed with everything the part left there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agora::jobs {

/// A name safe as a path component: the job id's letters, digits, '-' and
/// '_' as they are, anything else as _XX (hex).
std::string path_safe(std::string_view id);

/// Makes the directory and writes `script` into it as "script"; the
/// directory's path, or nullopt with `error` set.
std::optional<std::string> make_scratch(const std::string& root, const std::string& name, std::string_view script,
                                        std::string& error);
/// Removes the directory and everything in it; errors are ignored.
void remove_scratch(const std::string& dir) noexcept;

}  // namespace agora::jobs

namespace agora::jobs {

/// The environment entry that marks a part's processes (and their
/// children, who inherit it) as this worker's: AGORA_WORKER=NODE:ROOT.
std::string worker_mark(std::uint64_t node, const std::string& root);

/// Kills (SIGKILL) every process whose environment holds `mark` — parts
/// left running by an earlier incarnation of this node, killed with -9 —
/// and empties `root`. Returns how many processes it killed.
std::size_t clear_leftovers(const std::string& mark, const std::string& root);

}  // namespace agora::jobs
