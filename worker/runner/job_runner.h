// Executes one JobSpec (proto/depthlab/v1/types.proto) on the engine and returns its sums: the
// influence statistics of a calibration shard (PROFILE), a loss / logit-distance / task value per
// coalition mask (COALITIONS), or task sums over a range of items per mask (TASK_SHARD). The
// engine stays loaded between jobs (one model at a time; a job naming another model_path or
// model_hash loads it), and packed calibration splits and task evaluators are cached, so a series
// of shards reads and tokenises each file once. Task files are assumed immutable while cached (the
// coordinator addresses data by content hash).
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto runner, JobRunner::Create({.device = "cpu"}));
//   DEPTHLAB_ASSIGN_OR_RETURN(v1::JobResult result, runner->Run(spec, [] { return false; }));
#ifndef DEPTHLAB_WORKER_RUNNER_JOB_RUNNER_H_
#define DEPTHLAB_WORKER_RUNNER_JOB_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "depthlab/v1/types.pb.h"
#include "worker/engine/engine.h"
#include "worker/runner/calibration_data.h"
#include "worker/runner/job_executor.h"
#include "worker/runner/lru_cache.h"
#include "worker/runner/masks.h"
#include "worker/runner/task_evaluator.h"

namespace depthlab::worker::runner {

struct JobRunnerOptions {
  // Engine settings for every model loaded (the directory comes from each job).
  std::string device = "auto";  // auto, cpu or cuda
  std::string dtype = "auto";   // auto, float32, bfloat16 or float16
  int num_threads = 0;          // CPU intra-op threads, 0 = every core
  int max_batch = 8;            // sequences per forward
  // Coalition jobs share the units their masks agree on first (engine::MaskSetOptions); false
  // runs every mask from the embeddings (same results, more unit forwards; for benchmarks).
  bool prefix_reuse = true;
  // Cached per model: task evaluators (they hold tokenised prompts) and calibration splits.
  int max_cached_tasks = 4;
  int max_cached_calibrations = 4;
};

// Run is thread-compatible (one job at a time); HeldModelHashes, model_loads and device are
// thread-safe.
//
// Job semantics beyond types.proto: PROFILE runs the full model, or the one mask given (for
// re-estimation on a pruned model). TASK_KIND_PERPLEXITY evaluates the held-out split of its path
// packed as in JobSpec.calibration.calibration when that names the same path (so it is disjoint
// from the calibration shards), else with seq_len 128, held_out_fraction 0.5, seed 0. Errors:
// InvalidArgument for a bad spec (naming the field or mask), the engine's and readers' errors
// otherwise, Cancelled once should_stop returns true.
class JobRunner : public JobExecutor {
 public:
  static absl::StatusOr<std::unique_ptr<JobRunner>> Create(const JobRunnerOptions& options);
  ~JobRunner() override;

  absl::StatusOr<v1::JobResult> Run(const v1::JobSpec& spec,
                                    const std::function<bool()>& should_stop) override;
  std::vector<std::string> HeldModelHashes() const override;
  int64_t model_loads() const override;
  std::string device() const override;

 private:
  explicit JobRunner(const JobRunnerOptions& options);
  absl::Status EnsureModel(const v1::JobSpec& spec);
  absl::StatusOr<std::vector<NamedMask>> ParseMasks(const v1::JobSpec& spec) const;
  absl::StatusOr<const CalibrationSplit*> Calibration(const CalibrationParams& params);
  absl::StatusOr<const TaskEvaluator*> Task(const v1::JobSpec& spec);
  absl::Status RunProfile(const v1::JobSpec& spec, const std::vector<NamedMask>& masks,
                          v1::JobResult* result);
  absl::Status RunCalibrationValues(const v1::JobSpec& spec, const std::vector<NamedMask>& masks,
                                    const std::function<bool()>& should_stop,
                                    v1::JobResult* result);

  const JobRunnerOptions options_;
  // Owned by the thread in Run.
  std::unique_ptr<engine::Engine> engine_;
  std::string model_key_;  // model_path and model_hash of engine_
  LruCache<CalibrationSplit> calibrations_;
  LruCache<std::unique_ptr<TaskEvaluator>> tasks_;  // evaluators keep engine_

  mutable absl::Mutex mu_;
  std::string held_hash_ ABSL_GUARDED_BY(mu_);
  int64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
  std::string device_ ABSL_GUARDED_BY(mu_);
};

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_JOB_RUNNER_H_
