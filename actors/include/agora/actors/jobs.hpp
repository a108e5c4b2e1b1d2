// Jobs: submit anywhere, the leader splits and assigns parts, workers run
// them as processes, the submitter gets every result exactly once — with
// the job's state kept as presence, not in a log (DESIGN section 5,
// docs/JOBS.md).
//
// Everything meets at the cluster level:
//
//   job(JID, SUBMITTER, INTERPRETER, PARTS, MAX_ATTEMPTS, TIMEOUT_MS)
//                     the submitter asserts it while the job lives; its
//                     absence cancels the job everywhere
//   job_script(JID, SCRIPT, ARGS, MAX_OUTPUT)
//                     the submitter asserts it too; only workers that run
//                     a part of JID subscribe to it
//   job_worker(NODE, SLOTS, [INTERPRETER, ...])
//                     each member's worker: what it can run
//   part_assign(JID, PART, ATTEMPT, NODE, EPOCH)
//                     the leader, until the worker says it runs it
//   part_running(JID, PART, ATTEMPT, NODE)
//                     the worker, from the start of the process until the
//                     submitter has recorded its outcome
//   part_outcome(JID, PART, ATTEMPT, NODE, ok(RESULT) | failed(REASON, TAIL))
//                     the worker, after the process ended, until recorded
//   part_record(JID, PART, ATTEMPT, NODE, accepted | failed(REASON))
//                     the submitter: its ledger, for the job's lifetime
//   job_refused(JID, WHY)
//                     the leader, when no worker can run the job
//   job_cancel_request(JID)
//                     agora-node cancel, while it waits for the job to go
//   job_cancelling(JID, NODE)
//                     each member's scheduler, while a cancel request
//                     stands for the job and the job lives
//   part_progress(JID, PART, ATTEMPT, NODE, X)        (message) worker → submitter
//   job_cancel(JID)                                   (message) anyone → submitter, workers
//
// The rules that make it survive the loss of any node:
//  * The submitter is the one acceptor: the first ok outcome of a part is
//    accepted (recorded, printed), any later one of the same part is not.
//    So each part yields exactly one accepted result, however often it ran.
//  * A new leader rebuilds everything from presence: a part is done when it
//    has an accepted record, failed for good after MAX_ATTEMPTS failed
//    records, in flight while some part_running or a current assignment
//    exists, and waiting otherwise. Waiting parts go to workers with free
//    slots, preferring nodes where the part has not failed.
//  * A worker lost (node_lost) takes its part_running with it: the part is
//    waiting again. A worker's late outcome after a part was accepted
//    elsewhere is never accepted; it withdraws when it sees the accepted
//    record, and stops its process if one still runs.
//  * Assignments carry the leader's epoch; workers refuse older epochs than
//    the newest they know (election::epoch_fence).
//  * The submitter lost, or cancelling: job(...) goes, every worker stops
//    the job's processes (the process driver ends each process group,
//    SIGTERM then SIGKILL after the grace period).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::jobs {

/// What a submitter asks for.
struct job_spec {
  std::string id;            // unique: the submitter draws it at random
  std::string interpreter;   // a name the workers' configuration allows ("python3")
  std::string script;        // the script's content
  std::vector<std::string> args;
  std::int64_t parts = 1;
  std::int64_t max_attempts = 3;
  std::chrono::milliseconds timeout{0};  // per part; 0: none
  std::int64_t max_output = 1 << 20;     // bytes of stdout per part
};

/// Limits a submission is checked against (job_problems).
inline constexpr std::int64_t max_parts = 100'000;
inline constexpr std::size_t max_script_bytes = 1u << 20;
inline constexpr std::int64_t max_output_limit = 8 << 20;

/// What is wrong with a spec (empty: nothing).
std::vector<std::string> job_problems(const job_spec& s);

// ---- the worker: one per member node ---------------------------------------------

// Default member initializers keep -Wextra quiet about fields a designated
// initializer leaves out.
struct worker_config {
  std::uint64_t node = 0;
  std::int64_t slots = 1;  // parts run at once
  /// Interpreter name → program path; parts asking for another are never
  /// assigned here.
  std::map<std::string, std::string> interpreters{};
  /// Parent of the parts' scratch directories ("" : none are made, the
  /// script is not written: for the simulation, whose process driver only
  /// plays processes).
  std::string scratch_root{};
  /// Environment every part gets, before AGORA_JOB, AGORA_PART, AGORA_PARTS
  /// (NAME=VALUE).
  std::vector<std::string> environment{};
  /// SIGTERM to SIGKILL when a part is stopped.
  std::chrono::milliseconds grace{500};
  /// Where the parts' stderr lines (their log) and the worker's notes go.
  log_sink log{};
};

/// Runs the parts assigned to cfg.node through the process driver
/// (agora/drivers/process.hpp), which must run in the same ground.
actor_spec worker(worker_config cfg);

// ---- the scheduler: one per member node, acting while its node leads ------------

struct job_summary {
  std::string id;
  std::int64_t parts = 0, done = 0;
  std::map<std::uint64_t, std::int64_t> running;  // node → parts running there
  std::string state;  // waiting, running, refused; done, failed, cancelled, lost (recent)
  std::uint64_t submitter = 0;
};

struct scheduler_config {
  std::uint64_t node = 0;
  /// After this node becomes leader it waits this long before assigning,
  /// so that what the old leader's workers assert reaches it first.
  std::chrono::milliseconds settle{150};
  /// An assignment no worker took within this long (it cannot see the job)
  /// is withdrawn and the part given to another node.
  std::chrono::milliseconds assign_timeout{3000};
  /// Finished jobs kept for status.
  std::size_t history = 16;
  /// Called (in the scheduler's turns) whenever its view of the jobs
  /// changes: what `agora-node status` shows.
  std::function<void(const std::vector<job_summary>&)> on_view{};
  log_sink log{};
};

/// Observes every job on every member; assigns while this node leads
/// (leader(NODE, EPOCH) present, election.hpp).
actor_spec scheduler(scheduler_config cfg);

// ---- the submitter ---------------------------------------------------------------

struct part_result {
  std::int64_t part = 0;
  std::uint64_t node = 0;
  std::int64_t attempt = 0;
  std::string result;
};

/// How a job ended for its submitter.
enum class job_end { done, failed, refused, cancelled };

struct submission_events {
  /// A part's result was accepted (once per part).
  std::function<void(const part_result&)> on_result{};
  /// Parts running per node changed, or a progress report came.
  std::function<void(const std::map<std::uint64_t, std::int64_t>& running, std::int64_t done)> on_progress{};
  /// The end: `why` tells a failure (the part, its exit, the tail of its
  /// stderr), a refusal or a cancellation. The actor has quit.
  std::function<void(job_end, const std::string& why)> on_end{};
  /// Nobody is leading (nullopt) or who is.
  std::function<void(std::optional<std::uint64_t> leader)> on_leader{};
};

/// The submitter's actor: asserts the job, records outcomes (the one
/// acceptor), ends the job when every part is accepted, a part failed
/// MAX_ATTEMPTS times, the leader refused it, or job_cancel(JID) came.
/// Stopping the actor any other way cancels the job everywhere.
actor_spec submission(job_spec spec, std::uint64_t submitter, submission_events events);

/// job_cancel(JID): sent at the cluster level, it ends the job.
inline term cancel_message(std::string_view id) { return rec("job_cancel", id); }

/// job_cancel_request(JID): asserted by whoever wants a job cancelled but
/// may not reach its submitter — `agora-node cancel` is a client, and a
/// client sees members' endpoints only, never another client's (the
/// submitter's). Every member's scheduler that knows the job live answers
/// with job_cancelling(JID, NODE), which it withdraws (with the job's end
/// as the reason) when the job goes, and sends job_cancel(JID) from its
/// node, which reaches the submitter.
inline term cancel_request(std::string_view id) { return rec("job_cancel_request", id); }
inline term cancelling_topic(std::string_view id) { return rec("job_cancelling", id, _); }

}  // namespace agora::jobs
