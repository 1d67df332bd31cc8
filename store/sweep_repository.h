// Sweeps: one row per submitted experiment (the serialized SweepSpec, its state, priority and
// labels). Submitting is idempotent per request_id; listing pages newest first; cancelling ends
// the sweep and its outstanding jobs in one transaction.
#ifndef DEPTHLAB_STORE_SWEEP_REPOSITORY_H_
#define DEPTHLAB_STORE_SWEEP_REPOSITORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"
#include "store/types.h"

namespace depthlab::store {

// What a submission stores. A new sweep starts PENDING.
struct NewSweep {
  std::string request_id;  // empty: not deduplicated
  std::string name;
  int64_t model_id = 0;                       // ModelRepository id
  std::string spec;                           // serialized SweepSpec (opaque bytes)
  int priority = 0;                           // higher is leased first
  std::map<std::string, std::string> labels;  // keys non-empty
};

struct SweepRow {
  int64_t id = 0;
  std::string request_id;
  std::string name;
  int64_t model_id = 0;
  std::string model_hash;  // of model_id, for display and filtering
  std::string spec;
  RunState state = RunState::kPending;
  int priority = 0;
  std::map<std::string, std::string> labels;
  std::string error;  // why it FAILED; empty otherwise
  absl::Time created_at;
  absl::Time updated_at;
  std::optional<absl::Time> finished_at;  // set on reaching a terminal state
};

struct CreateSweepResult {
  SweepRow sweep;
  bool created = false;  // false: request_id was already used; `sweep` is the earlier one
};

// Empty fields match everything.
struct SweepFilter {
  std::optional<RunState> state;
  std::string model_hash;
};

struct SweepPage {
  std::vector<SweepRow> sweeps;  // newest (highest id) first
  std::string next_page_token;   // empty on the last page
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it. Each method is one
// transaction, or joins the caller's (Store::RunInTransaction).
class SweepRepository {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 1000;

  explicit SweepRepository(Store& store) : store_(store) {}

  // Stores a PENDING sweep, or returns the existing sweep with the same non-empty request_id
  // (created = false; its spec is not compared). NotFound for an unknown model_id;
  // InvalidArgument for an empty label key.
  absl::StatusOr<CreateSweepResult> Create(const NewSweep& sweep, absl::Time now);

  // NotFound when absent.
  absl::StatusOr<SweepRow> Get(int64_t id);

  // One page of sweeps matching `filter`, newest first. `page_size` <= 0 means kDefaultPageSize;
  // larger than kMaxPageSize is capped. `page_token` is "" or a next_page_token from an earlier
  // call (InvalidArgument otherwise). Sweeps created between calls do not shift later pages.
  absl::StatusOr<SweepPage> List(const SweepFilter& filter, int page_size,
                                 absl::string_view page_token);

  // Moves the sweep to `state`. A terminal state records `error` and finished_at and cancels the
  // sweep's outstanding jobs (as Cancel). FailedPrecondition when the sweep has already ended in
  // another state, or for a move back to PENDING; setting the current state again is a no-op.
  absl::Status SetState(int64_t id, RunState state, absl::string_view error, absl::Time now);

  // Cancels the sweep and all its QUEUED and LEASED jobs; `revoked` lists the jobs whose workers
  // should stop (they also learn it from their next heartbeat). Cancelling a CANCELLED sweep
  // returns OK with nothing revoked; FailedPrecondition for a SUCCEEDED or FAILED sweep.
  absl::StatusOr<CancelledJobs> Cancel(int64_t id, absl::Time now);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_SWEEP_REPOSITORY_H_
