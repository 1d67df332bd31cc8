#include "coordinator/sweeps/evaluations.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace depthlab::sweeps {

namespace v1 = ::depthlab::v1;

const std::string& SweepContext::DatasetHash(DataRef data) const {
  if (data.task_index == DataRef::kCalibration) return plan.calibration_hash();
  if (data.task_index == DataRef::kShapleyTask) return plan.shapley_task_hash();
  return plan.task_dataset_hashes(data.task_index);
}

int SweepContext::Items(DataRef data) const {
  if (data.task_index == DataRef::kCalibration) return spec.calibration().max_sequences();
  if (data.task_index == DataRef::kShapleyTask) return plan.shapley_task_items();
  return plan.task_items(data.task_index);
}

std::vector<Evaluation> SweepContext::Evaluations(v1::JobKind job_kind, v1::ValueKind value_kind,
                                                  DataRef data,
                                                  const std::vector<std::string>& masks) const {
  std::vector<Evaluation> out;
  for (const planner::Shard& shard : planner::Shards(Items(data), spec.shard_size())) {
    for (const std::string& mask : masks) {
      Evaluation e;
      e.job_kind = job_kind;
      e.value_kind = value_kind;
      e.data = data;
      e.shard = shard;
      e.mask = mask;
      const v1::ValueKind key_kind =
          job_kind == v1::JOB_KIND_PROFILE ? v1::VALUE_KIND_UNSPECIFIED : value_kind;
      e.key = planner::EvaluationKey(plan.model_hash(), DatasetHash(data), shard, mask, key_kind);
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<v1::JobSpec> SweepContext::Jobs(const std::vector<Evaluation>& missing,
                                            int masks_per_job) const {
  using Group = std::tuple<int, int, int, int, int>;  // job kind, value kind, data, shard
  std::map<Group, std::vector<const Evaluation*>> groups;
  for (const Evaluation& e : missing) {
    groups[{e.job_kind, e.value_kind, e.data.task_index, e.shard.first, e.shard.count}].push_back(
        &e);
  }
  std::vector<v1::JobSpec> jobs;
  for (auto& [group, evaluations] : groups) {
    // Masks in flat unit order sorted with kept ('1') first: a job gets masks that agree on their
    // first units, which the worker computes once for all of them (prefix reuse), and the
    // full-model path comes first. Stable, so equal masks (none, normally) keep their order.
    std::stable_sort(evaluations.begin(), evaluations.end(),
                     [](const Evaluation* a, const Evaluation* b) { return a->mask > b->mask; });
    for (size_t i = 0; i < evaluations.size(); i += masks_per_job) {
      const Evaluation& first = *evaluations[i];
      v1::JobSpec job;
      job.set_kind(first.job_kind);
      job.set_model_path(spec.model());
      job.set_model_hash(plan.model_hash());
      job.set_value_kind(first.value_kind);
      job.set_dataset_hash(DatasetHash(first.data));
      if (first.data.task_index == DataRef::kCalibration) {
        v1::CalibrationShard* c = job.mutable_calibration();
        *c->mutable_calibration() = spec.calibration();
        c->set_first_sequence(first.shard.first);
        c->set_num_sequences(first.shard.count);
      } else {
        v1::TaskShard* t = job.mutable_task();
        *t->mutable_task() = first.data.task_index == DataRef::kShapleyTask
                                 ? spec.shapley().task()
                                 : spec.tasks(first.data.task_index);
        t->set_first_item(first.shard.first);
        t->set_num_items(first.shard.count);
        // Perplexity packs the held-out split exactly as the calibration split is packed.
        *job.mutable_calibration()->mutable_calibration() = spec.calibration();
      }
      for (size_t j = i; j < evaluations.size() && j < i + masks_per_job; ++j) {
        job.add_masks(evaluations[j]->mask);
      }
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

absl::StatusOr<std::map<std::string, std::string>> LookUp(
    store::EvaluationCache& cache, const std::vector<Evaluation>& evaluations) {
  std::vector<std::string> keys;
  keys.reserve(evaluations.size());
  for (const Evaluation& e : evaluations) keys.push_back(e.key);
  absl::StatusOr<std::vector<store::EvaluationRow>> rows = cache.GetMany(keys);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> found;
  for (store::EvaluationRow& row : *rows) found[row.key] = std::move(row.result);
  return found;
}

}  // namespace depthlab::sweeps
