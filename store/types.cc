#include "store/types.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace depthlab::store {
namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, absl::string_view>, N>;

constexpr NameTable<RunState, 5> kRunStates = {{
    {RunState::kPending, "PENDING"},
    {RunState::kRunning, "RUNNING"},
    {RunState::kSucceeded, "SUCCEEDED"},
    {RunState::kFailed, "FAILED"},
    {RunState::kCancelled, "CANCELLED"},
}};

constexpr NameTable<JobState, 5> kJobStates = {{
    {JobState::kQueued, "QUEUED"},
    {JobState::kLeased, "LEASED"},
    {JobState::kSucceeded, "SUCCEEDED"},
    {JobState::kFailed, "FAILED"},
    {JobState::kCancelled, "CANCELLED"},
}};

constexpr NameTable<WorkerState, 2> kWorkerStates = {{
    {WorkerState::kActive, "ACTIVE"},
    {WorkerState::kGone, "GONE"},
}};

template <typename Enum, size_t N>
absl::string_view NameOf(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "UNKNOWN";
}

template <typename Enum, size_t N>
absl::StatusOr<Enum> Parse(const NameTable<Enum, N>& table, absl::string_view what,
                           absl::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, " state: unknown value \"", name, "\" (expected one of ",
      absl::StrJoin(table, ", ",
                    [](std::string* out, const auto& p) { absl::StrAppend(out, p.second); }),
      ")"));
}

}  // namespace

absl::string_view RunStateName(RunState state) { return NameOf(kRunStates, state); }
absl::string_view JobStateName(JobState state) { return NameOf(kJobStates, state); }
absl::string_view WorkerStateName(WorkerState state) { return NameOf(kWorkerStates, state); }

absl::StatusOr<RunState> ParseRunState(absl::string_view name) {
  return Parse(kRunStates, "run", name);
}
absl::StatusOr<JobState> ParseJobState(absl::string_view name) {
  return Parse(kJobStates, "job", name);
}
absl::StatusOr<WorkerState> ParseWorkerState(absl::string_view name) {
  return Parse(kWorkerStates, "worker", name);
}

bool IsTerminal(RunState state) {
  return state == RunState::kSucceeded || state == RunState::kFailed ||
         state == RunState::kCancelled;
}

bool IsTerminal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

void JobCounts::Add(JobState state, int64_t count) {
  switch (state) {
    case JobState::kQueued:
      queued += count;
      break;
    case JobState::kLeased:
      leased += count;
      break;
    case JobState::kSucceeded:
      succeeded += count;
      break;
    case JobState::kFailed:
      failed += count;
      break;
    case JobState::kCancelled:
      cancelled += count;
      break;
  }
}

}  // namespace depthlab::store
