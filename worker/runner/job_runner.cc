#include "worker/runner/job_runner.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/runner/calibration_jobs.h"
#include "worker/runner/task_jobs.h"

namespace depthlab::worker::runner {
namespace {

// InvalidArgument unless the kind (and, for coalitions, the value kind) is one Run knows.
absl::Status ValidateKinds(const v1::JobSpec& spec) {
  switch (spec.kind()) {
    case v1::JOB_KIND_PROFILE:
    case v1::JOB_KIND_TASK_SHARD:
      return absl::OkStatus();
    case v1::JOB_KIND_COALITIONS:
      if (spec.value_kind() == v1::VALUE_KIND_LOSS ||
          spec.value_kind() == v1::VALUE_KIND_LOGIT_DISTANCE ||
          spec.value_kind() == v1::VALUE_KIND_TASK) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(
          absl::StrCat("job.value_kind: ", v1::ValueKind_Name(spec.value_kind()),
                       " (coalition jobs need VALUE_KIND_LOSS, _LOGIT_DISTANCE or _TASK)"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("job.kind: ", static_cast<int>(spec.kind()),
                       " is not a job kind (expected PROFILE, COALITIONS or TASK_SHARD)"));
  }
}

bool IsTaskJob(const v1::JobSpec& spec) {
  return spec.kind() == v1::JOB_KIND_TASK_SHARD || spec.value_kind() == v1::VALUE_KIND_TASK;
}

// The split a perplexity task evaluates: the job's calibration packing when it names the same
// file, else the defaults.
absl::StatusOr<CalibrationParams> PerplexitySplit(const v1::JobSpec& spec) {
  const v1::CalibrationSpec& calibration = spec.calibration().calibration();
  if (calibration.path() == spec.task().task().path()) return ResolveCalibration(calibration);
  CalibrationParams params;
  params.path = spec.task().task().path();
  return params;
}

std::string TaskKey(const v1::TaskSpec& task, const CalibrationParams& split) {
  return absl::StrCat(task.kind(), "\n", task.path(), "\n", task.shots_path(), "\n", task.limit(),
                      "\n", task.max_new_tokens(), "\n", task.skip_bad_rows(), "\n",
                      task.kind() == v1::TASK_KIND_PERPLEXITY ? split.Key() : "");
}

}  // namespace

JobRunner::JobRunner(const JobRunnerOptions& options)
    : options_(options),
      calibrations_(static_cast<size_t>(options.max_cached_calibrations)),
      tasks_(static_cast<size_t>(options.max_cached_tasks)),
      device_(options.device) {}

JobRunner::~JobRunner() {
  tasks_.Clear();  // evaluators keep engine_
}

absl::StatusOr<std::unique_ptr<JobRunner>> JobRunner::Create(const JobRunnerOptions& options) {
  if (options.device != "auto" && options.device != "cpu" && options.device != "cuda") {
    return absl::InvalidArgumentError(
        absl::StrCat("device: unknown value '", options.device, "' (expected auto, cpu or cuda)"));
  }
  if (options.num_threads < 0 || options.max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("job runner: num_threads (", options.num_threads,
                                                   ") must be >= 0 and max_batch (",
                                                   options.max_batch, ") >= 1"));
  }
  return std::unique_ptr<JobRunner>(new JobRunner(options));
}

std::vector<std::string> JobRunner::HeldModelHashes() const {
  absl::MutexLock lock(&mu_);
  if (held_hash_.empty()) return {};
  return {held_hash_};
}

int64_t JobRunner::model_loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

std::string JobRunner::device() const {
  absl::MutexLock lock(&mu_);
  return device_;
}

absl::Status JobRunner::EnsureModel(const v1::JobSpec& spec) {
  if (spec.model_path().empty()) {
    return absl::InvalidArgumentError(
        "job.model_path: empty (expected a Hugging Face model directory)");
  }
  const std::string key = absl::StrCat(spec.model_path(), "\n", spec.model_hash());
  if (engine_ != nullptr && key == model_key_) return absl::OkStatus();
  // Everything cached refers to the old model's engine or tokenizer.
  tasks_.Clear();
  calibrations_.Clear();
  engine_.reset();
  model_key_.clear();
  {
    absl::MutexLock lock(&mu_);
    held_hash_.clear();
  }
  engine::EngineOptions engine_options;
  engine_options.model_dir = spec.model_path();
  engine_options.device = options_.device;
  engine_options.dtype = options_.dtype;
  engine_options.num_threads = options_.num_threads;
  engine_options.max_batch = options_.max_batch;
  DEPTHLAB_ASSIGN_OR_RETURN(engine_, engine::Engine::Create(engine_options));
  model_key_ = key;
  absl::MutexLock lock(&mu_);
  held_hash_ = spec.model_hash();
  device_ = engine_->description();
  ++loads_;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NamedMask>> JobRunner::ParseMasks(const v1::JobSpec& spec) const {
  std::vector<NamedMask> masks;
  const int layers = engine_->config().num_hidden_layers;
  for (int i = 0; i < spec.masks_size(); ++i) {
    DEPTHLAB_ASSIGN_OR_RETURN(engine::UnitMask mask,
                              ParseMask(spec.masks(i), layers, absl::StrCat("masks[", i, "]")));
    masks.push_back({spec.masks(i), std::move(mask)});
  }
  return masks;
}

absl::StatusOr<const CalibrationSplit*> JobRunner::Calibration(const CalibrationParams& params) {
  const std::string key = params.Key();
  if (const CalibrationSplit* cached = calibrations_.Find(key)) return cached;
  DEPTHLAB_ASSIGN_OR_RETURN(CalibrationSplit split,
                            LoadCalibrationSplit(engine_->tokenizer(), params));
  return calibrations_.Insert(key, std::move(split));
}

absl::StatusOr<const TaskEvaluator*> JobRunner::Task(const v1::JobSpec& spec) {
  const v1::TaskSpec& task = spec.task().task();
  DEPTHLAB_ASSIGN_OR_RETURN(const CalibrationParams split, PerplexitySplit(spec));
  const std::string key = TaskKey(task, split);
  if (std::unique_ptr<TaskEvaluator>* cached = tasks_.Find(key)) return cached->get();
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<TaskEvaluator> evaluator,
                            CreateTaskEvaluator(engine_.get(), task, split));
  return tasks_.Insert(key, std::move(evaluator))->get();
}

absl::Status JobRunner::RunProfile(const v1::JobSpec& spec, const std::vector<NamedMask>& masks,
                                   v1::JobResult* result) {
  if (masks.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job.masks: a profile job takes the full model or one mask, not ", masks.size()));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const CalibrationParams params,
                            ResolveCalibration(spec.calibration().calibration()));
  DEPTHLAB_ASSIGN_OR_RETURN(const CalibrationSplit* split, Calibration(params));
  DEPTHLAB_ASSIGN_OR_RETURN(const SequenceShard shard, SelectShard(*split, spec.calibration()));
  const engine::UnitMask mask = masks.empty()
                                    ? engine::UnitMask::AllKept(engine_->config().num_hidden_layers)
                                    : masks[0].mask;
  return ProfileShard(*engine_, shard, mask, result);
}

absl::Status JobRunner::RunCalibrationValues(const v1::JobSpec& spec,
                                             const std::vector<NamedMask>& masks,
                                             const std::function<bool()>& should_stop,
                                             v1::JobResult* result) {
  DEPTHLAB_ASSIGN_OR_RETURN(const CalibrationParams params,
                            ResolveCalibration(spec.calibration().calibration()));
  DEPTHLAB_ASSIGN_OR_RETURN(const CalibrationSplit* split, Calibration(params));
  DEPTHLAB_ASSIGN_OR_RETURN(const SequenceShard shard, SelectShard(*split, spec.calibration()));
  const engine::MaskSetOptions mask_set{.prefix_reuse = options_.prefix_reuse};
  if (spec.value_kind() == v1::VALUE_KIND_LOSS) {
    return LossValues(*engine_, shard, options_.max_batch, masks, mask_set, should_stop, result);
  }
  return DistanceValues(*engine_, shard, options_.max_batch, masks, mask_set, should_stop, result);
}

absl::StatusOr<v1::JobResult> JobRunner::Run(const v1::JobSpec& spec,
                                             const std::function<bool()>& should_stop) {
  const auto start = std::chrono::steady_clock::now();
  DEPTHLAB_RETURN_IF_ERROR(ValidateKinds(spec));
  if (should_stop()) return absl::CancelledError("job stopped before it started");
  DEPTHLAB_RETURN_IF_ERROR(EnsureModel(spec));
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<NamedMask> masks, ParseMasks(spec));
  v1::JobResult result;
  if (spec.kind() == v1::JOB_KIND_PROFILE) {
    DEPTHLAB_RETURN_IF_ERROR(RunProfile(spec, masks, &result));
  } else if (IsTaskJob(spec)) {
    DEPTHLAB_ASSIGN_OR_RETURN(const TaskEvaluator* task, Task(spec));
    DEPTHLAB_RETURN_IF_ERROR(TaskValues(*task, spec.task(), masks, should_stop, &result));
  } else {
    DEPTHLAB_RETURN_IF_ERROR(RunCalibrationValues(spec, masks, should_stop, &result));
  }
  result.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

}  // namespace depthlab::worker::runner
