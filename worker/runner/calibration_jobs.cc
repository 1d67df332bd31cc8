#include "worker/runner/calibration_jobs.h"

#include <algorithm>

#include "common/status_macros.h"

namespace depthlab::worker::runner {
namespace {

absl::Status Stopped() { return absl::CancelledError("job stopped before it finished"); }

int64_t TokenCount(const engine::TokenSequences& sequences) {
  int64_t tokens = 0;
  for (const auto& s : sequences) tokens += static_cast<int64_t>(s.size());
  return tokens;
}

// Adds the unit forwards the engine reports for `passes` passes of `sequences` (one per mask, with
// or without shared prefixes) and their tokens.
void AddWork(const engine::TokenSequences& sequences, int64_t unit_forwards, int64_t passes,
             v1::JobResult* result) {
  result->set_unit_forwards(result->unit_forwards() + unit_forwards);
  result->set_tokens(result->tokens() + passes * TokenCount(sequences));
}

// Counts one pass of `sequences` through the units `mask` keeps.
void CountPass(const engine::TokenSequences& sequences, const engine::UnitMask& mask,
               v1::JobResult* result) {
  result->set_unit_forwards(result->unit_forwards() +
                            static_cast<int64_t>(sequences.size()) * KeptUnits(mask));
  result->set_tokens(result->tokens() + TokenCount(sequences));
}

void ToProto(const engine::UnitStatsSums& sums, v1::UnitSums* out) {
  out->set_cosine_sum(sums.cosine_sum);
  out->set_relative_l1_sum(sums.rel_l1_sum);
  out->set_relative_l2_sum(sums.rel_l2_sum);
  out->set_tokens(sums.tokens);
}

// Calls run(sequences, members) for each batch [k * batch, (k + 1) * batch) of the shard's list
// that overlaps the shard; members = the indices into `sequences` that lie in the shard.
absl::Status ForEachAlignedBatch(
    const SequenceShard& shard, int batch, const std::function<bool()>& should_stop,
    const std::function<absl::Status(const engine::TokenSequences&, size_t, size_t)>& run) {
  const size_t step = static_cast<size_t>(std::max(1, batch));
  for (size_t first = shard.begin / step * step; first < shard.end; first += step) {
    if (should_stop()) return Stopped();
    const size_t last = std::min(shard.list_size, first + step);
    const engine::TokenSequences sequences(shard.list->begin() + first, shard.list->begin() + last);
    DEPTHLAB_RETURN_IF_ERROR(
        run(sequences, std::max(first, shard.begin) - first, std::min(last, shard.end) - first));
  }
  return absl::OkStatus();
}

// The engine's masks of a job, and one empty MaskValue per mask named by its bits.
void StartValues(const std::vector<NamedMask>& masks, std::vector<engine::UnitMask>* unit_masks,
                 std::vector<v1::MaskValue>* values) {
  for (const NamedMask& m : masks) {
    unit_masks->push_back(m.mask);
    values->emplace_back().set_mask(m.bits);
  }
}

}  // namespace

absl::Status ProfileShard(const engine::Engine& engine, const SequenceShard& shard,
                          const engine::UnitMask& mask, v1::JobResult* result) {
  const engine::TokenSequences sequences = shard.Sequences();
  DEPTHLAB_ASSIGN_OR_RETURN(const engine::InfluenceStatistics stats,
                            engine.Statistics(sequences, mask));
  for (const engine::UnitStatsSums& unit : stats.sublayers) {
    ToProto(unit, result->add_sublayer_sums());
  }
  for (const engine::UnitStatsSums& block : stats.blocks) ToProto(block, result->add_block_sums());
  CountPass(sequences, mask, result);
  return absl::OkStatus();
}

absl::Status LossValues(const engine::Engine& engine, const SequenceShard& shard, int batch,
                        const std::vector<NamedMask>& masks, const engine::MaskSetOptions& options,
                        const std::function<bool()>& should_stop, v1::JobResult* result) {
  std::vector<engine::UnitMask> unit_masks;
  std::vector<v1::MaskValue> values;
  StartValues(masks, &unit_masks, &values);
  DEPTHLAB_RETURN_IF_ERROR(ForEachAlignedBatch(
      shard, batch, should_stop,
      [&](const engine::TokenSequences& sequences, size_t from, size_t to) -> absl::Status {
        DEPTHLAB_ASSIGN_OR_RETURN(
            const engine::MaskLosses losses,
            engine.Losses(sequences, unit_masks, /*replacements=*/{}, options));
        for (size_t i = 0; i < masks.size(); ++i) {
          for (size_t s = from; s < to; ++s) {
            values[i].set_sum(values[i].sum() + losses.per_mask[i].sequence_nll[s]);
            values[i].set_count(values[i].count() + losses.per_mask[i].sequence_tokens[s]);
          }
        }
        AddWork(sequences, losses.unit_forwards, static_cast<int64_t>(masks.size()), result);
        return absl::OkStatus();
      }));
  for (v1::MaskValue& value : values) *result->add_values() = std::move(value);
  return absl::OkStatus();
}

absl::Status DistanceValues(const engine::Engine& engine, const SequenceShard& shard, int batch,
                            const std::vector<NamedMask>& masks,
                            const engine::MaskSetOptions& options,
                            const std::function<bool()>& should_stop, v1::JobResult* result) {
  const engine::UnitMask full = engine::UnitMask::AllKept(engine.config().num_hidden_layers);
  std::vector<engine::UnitMask> unit_masks;
  std::vector<v1::MaskValue> values;
  StartValues(masks, &unit_masks, &values);
  DEPTHLAB_RETURN_IF_ERROR(ForEachAlignedBatch(
      shard, batch, should_stop,
      [&](const engine::TokenSequences& sequences, size_t from, size_t to) -> absl::Status {
        DEPTHLAB_ASSIGN_OR_RETURN(
            const engine::MaskDistances distances,
            engine.LogitDistances(sequences, full, unit_masks, /*replacements=*/{}, options));
        for (size_t i = 0; i < masks.size(); ++i) {
          for (size_t s = from; s < to; ++s) {
            values[i].set_sum(values[i].sum() + distances.per_mask[i].sequence_distance[s]);
            values[i].set_count(values[i].count() + distances.per_mask[i].sequence_positions[s]);
          }
        }
        // The reference's pass is one more pass of the tokens.
        AddWork(sequences, distances.unit_forwards, static_cast<int64_t>(masks.size()) + 1, result);
        return absl::OkStatus();
      }));
  for (v1::MaskValue& value : values) *result->add_values() = std::move(value);
  return absl::OkStatus();
}

}  // namespace depthlab::worker::runner
