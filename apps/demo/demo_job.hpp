// The cluster demo's job: `agora-node submit` as a child process (stdout
// and stderr on one pipe), read without blocking: the job's id from its
// first stderr line ("agora-node submit: job j-... (...)"), and each
// accepted part from its JSON lines ({"part":I,"node":N,"attempt":A,
// "result":"..."}), checked to come exactly once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace agora_demo {

struct part_result {
  int part = 0;
  std::uint64_t node = 0;
  int attempt = 0;
  std::string result;  // the part's stdout, without its last newline
};

class demo_job {
 public:
  demo_job(const std::string& program, std::vector<std::string> args)
      : child_(with_program(program, std::move(args)), {.stderr_to_stdout = true, .env = {}}) {}

  /// The job's id; empty until submit said it.
  const std::string& id() const noexcept { return id_; }
  /// The parts accepted so far, by part.
  const std::map<int, part_result>& results() const noexcept { return results_; }
  /// What submit said that is neither its job line nor a result (progress, errors).
  const std::vector<std::string>& other_lines() const noexcept { return other_; }

  /// Reads what submit printed since the last call, without waiting; the
  /// parts newly accepted. Throws if a part comes a second time.
  std::vector<part_result> read() {
    std::vector<part_result> fresh;
    while (auto line = child_.line(agora_apps::child_process::milliseconds(0))) {
      if (line->starts_with("{")) {
        fresh.push_back(parse(*line));
        if (!results_.emplace(fresh.back().part, fresh.back()).second)
          throw std::runtime_error("part " + std::to_string(fresh.back().part) + " was accepted twice");
      } else if (const std::string key = "agora-node submit: job "; line->starts_with(key) && id_.empty()) {
        id_ = line->substr(key.size(), line->find(' ', key.size()) - key.size());
      } else {
        other_.push_back(*line);
      }
    }
    return fresh;
  }

  /// submit's exit status, once it exited (see child_process::wait_exit).
  std::optional<int> exit_code() {
    if (!code_) code_ = child_.wait_exit(agora_apps::child_process::milliseconds(0));
    return code_;
  }

 private:
  static std::vector<std::string> with_program(const std::string& program, std::vector<std::string> args) {
    args.insert(args.begin(), program);
    return args;
  }

  static part_result parse(const std::string& line) {
    try {
      const auto j = nlohmann::json::parse(line);
      part_result r{j.at("part").get<int>(), j.at("node").get<std::uint64_t>(), j.at("attempt").get<int>(),
                    j.at("result").get<std::string>()};
      while (!r.result.empty() && (r.result.back() == '\n' || r.result.back() == '\r')) r.result.pop_back();
      return r;
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("submit printed a line that is not a part's result: " + line + " (" + e.what() + ")");
    }
  }

  agora_apps::child_process child_;  // SIGKILL + reap when it goes
  std::string id_;
  std::map<int, part_result> results_;
  std::vector<std::string> other_;
  std::optional<int> code_;
};

}  // namespace agora_demo
