#include "coordinator/shapley/estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "coordinator/shapley/ranking.h"

namespace depthlab::shapley {
namespace {

// Rounds whose coalitions were all valued before cost nothing; a run that only draws such rounds
// has seen every coalition it can draw with any real chance, so it stops as kExhausted.
constexpr int kMaxFreeRounds = 10000;
constexpr uint64_t kBootstrapSalt = 0x6a09e667f3bcc909ULL;

std::string Quoted(const Coalition& c) { return absl::StrCat("\"", c.ToString(), "\""); }

}  // namespace

Estimator::Estimator(const EstimatorOptions& options) : options_(options) {}

Estimator::RoundBuilder::RoundBuilder(const Estimator* estimator, int64_t budget_left)
    : estimator_(estimator), budget_left_(budget_left) {}

bool Estimator::RoundBuilder::TryAdd(const std::vector<Coalition>& unit) {
  std::vector<const Coalition*> fresh;
  absl::flat_hash_set<Coalition> in_unit;
  for (const Coalition& c : unit) {
    if (estimator_->Known(c) || added_.contains(c) || !in_unit.insert(c).second) continue;
    fresh.push_back(&c);
  }
  if (static_cast<int64_t>(fresh.size()) > budget_left_) return false;
  budget_left_ -= static_cast<int64_t>(fresh.size());
  for (const Coalition* c : fresh) {
    added_.insert(*c);
    ask_.push_back(*c);
  }
  return true;
}

Estimator::RoundBuilder Estimator::NewRound() const {
  const int64_t budget = options_.budget;
  return RoundBuilder(this, budget > 0 ? budget - evaluations() : INT64_MAX);
}

std::vector<Coalition> Estimator::Propose() const {
  std::vector<Coalition> batch;
  const size_t limit = static_cast<size_t>(options_.batch_size);
  for (size_t i = first_outstanding_; i < round_.size() && batch.size() < limit; ++i) {
    if (outstanding_.contains(round_[i])) batch.push_back(round_[i]);
  }
  return batch;
}

std::vector<Coalition> Estimator::Outstanding() const {
  std::vector<Coalition> all;
  for (size_t i = first_outstanding_; i < round_.size(); ++i) {
    if (outstanding_.contains(round_[i])) all.push_back(round_[i]);
  }
  return all;
}

absl::Status Estimator::CheckObservation(const std::vector<Coalition>& coalitions,
                                         const std::vector<double>& values) const {
  if (coalitions.size() != values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Observe: ", coalitions.size(), " coalitions but ", values.size(), " values"));
  }
  absl::flat_hash_set<Coalition> seen;
  for (size_t i = 0; i < coalitions.size(); ++i) {
    const Coalition& c = coalitions[i];
    if (c.num_players() != num_players()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Observe: coalition ", i, " has ", c.num_players(),
                       " players; the estimator has ", num_players()));
    }
    if (!outstanding_.contains(c) || !seen.insert(c).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("Observe: coalition ", i, " ", Quoted(c),
                       " is not outstanding (never proposed, already observed, or repeated)"));
    }
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat("Observe: value ", i, " for ", Quoted(c),
                                                     " is not finite (", values[i], ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status Estimator::Observe(const std::vector<Coalition>& coalitions,
                                const std::vector<double>& values) {
  if (absl::Status s = CheckObservation(coalitions, values); !s.ok()) return s;
  for (size_t i = 0; i < coalitions.size(); ++i) {
    values_.emplace(coalitions[i], values[i]);
    outstanding_.erase(coalitions[i]);
  }
  while (first_outstanding_ < round_.size() && !outstanding_.contains(round_[first_outstanding_])) {
    ++first_outstanding_;
  }
  AdvanceRounds();
  return absl::OkStatus();
}

void Estimator::StartRound(std::vector<Coalition> ask) {
  round_.clear();
  first_outstanding_ = 0;
  for (Coalition& c : ask) {
    if (!Known(c) && outstanding_.insert(c).second) round_.push_back(std::move(c));
  }
}

void Estimator::AdvanceRounds() {
  int free_rounds = 0;
  while (outstanding_.empty() && !Done()) {
    if (started_) Consume();
    started_ = true;
    if (Done()) return;
    if (static_cast<double>(evaluations()) >= PossibleCoalitions() ||
        free_rounds++ >= kMaxFreeRounds) {
      Stop(StopReason::kExhausted);
      return;
    }
    std::vector<Coalition> ask;
    if (!NextRound(&ask)) {
      if (!Done()) Stop(StopReason::kBudgetSpent);
      return;
    }
    StartRound(std::move(ask));
  }
}

std::vector<std::vector<double>> Estimator::Bootstrap(Rng& /*rng*/, int /*count*/) const {
  return {};
}

double Estimator::PossibleCoalitions() const { return std::ldexp(1.0, num_players()); }

void Estimator::StopIfTargetReached(int64_t samples) {
  if (options_.target_stderr <= 0 || samples < options_.min_samples) return;
  const std::vector<double> std_errors = Estimate().std_error;
  if (std::all_of(std_errors.begin(), std_errors.end(),
                  [&](double se) { return se <= options_.target_stderr; })) {
    Stop(StopReason::kTargetReached);
  }
}

ShapleyResult Estimator::Result() const {
  const Estimates e = Estimate();
  ShapleyResult r;
  r.kind = options_.kind;
  r.stop_reason = stop_reason_;
  r.has_std_errors = HasStdErrors();
  r.evaluations = evaluations();
  r.samples = e.samples;
  Rng rng(options_.seed ^ kBootstrapSalt);
  const std::vector<std::vector<double>> replicates = Bootstrap(rng, options_.bootstrap_samples);
  const std::vector<int> ranks = Ranks(e.value);
  const std::vector<RankInterval> intervals = BootstrapRankIntervals(e.value, replicates);
  for (int i = 0; i < num_players(); ++i) {
    r.players.push_back({e.value[i], e.std_error[i], e.evaluations[i], ranks[i], intervals[i].low,
                         intervals[i].high});
    r.efficiency.sum_of_values += e.value[i];
  }
  const Coalition all = Coalition::Full(num_players());
  const Coalition none = Coalition::Empty(num_players());
  if (Known(all)) r.value_all = Value(all);
  if (Known(none)) r.value_none = Value(none);
  r.efficiency.grand_value = r.value_all - r.value_none;
  r.efficiency.gap = r.efficiency.sum_of_values - r.efficiency.grand_value;
  return r;
}

}  // namespace depthlab::shapley
