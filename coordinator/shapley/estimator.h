// Shapley estimators (METHODS.md §4) over a value oracle v(coalition), driven in rounds by the
// caller, which turns proposals into jobs and caches values by coalition:
//
//   DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<Estimator> est, MakeEstimator(options));
//   while (!est->Done()) {
//     std::vector<Coalition> ask = est->Propose();
//     DEPTHLAB_RETURN_IF_ERROR(est->Observe(ask, oracle(ask)));
//   }
//   ShapleyResult result = est->Result();
//
// Determinism (this is the serialised state): an estimator is a function of its options (seed
// included) and of the values it has observed. The order and grouping of Observe calls inside a
// round do not matter, so a restarted coordinator resumes with ResumeEstimator() from its cache.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "coordinator/shapley/coalition.h"
#include "coordinator/shapley/estimator_options.h"
#include "coordinator/shapley/rng.h"
#include "coordinator/shapley/shapley_result.h"

namespace depthlab::shapley {

using ValueMap = absl::flat_hash_map<Coalition, double>;
class Estimator;

// A started estimator; InvalidArgument (naming the field) if ValidateOptions fails.
absl::StatusOr<std::unique_ptr<Estimator>> MakeEstimator(const EstimatorOptions& options);
// MakeEstimator, then observes every proposed coalition found in `known` (say, a restarted
// coordinator's cache) until the estimator is done or asks for one that is not there.
absl::StatusOr<std::unique_ptr<Estimator>> ResumeEstimator(const EstimatorOptions& options,
                                                           const ValueMap& known);

// Base of the six estimators: owns the values observed and the round protocol; subclasses decide
// what to ask and how to estimate. Thread-compatible (the caller serialises calls).
class Estimator {
 public:
  virtual ~Estimator() = default;
  Estimator(const Estimator&) = delete;
  Estimator& operator=(const Estimator&) = delete;

  bool Done() const { return stop_reason_ != StopReason::kRunning; }
  // Up to options().batch_size coalitions of the current round not yet observed; the same ones
  // again until they are observed. Empty iff Done().
  std::vector<Coalition> Propose() const;
  // Every coalition of the current round not yet observed.
  std::vector<Coalition> Outstanding() const;
  // Records values for proposed coalitions (any subset of Outstanding(), in any order); when the
  // round is complete, the estimator updates and starts the next round or stops. All or nothing:
  // InvalidArgument on a size mismatch, a coalition not outstanding (unknown, already observed or
  // repeated) or with the wrong number of players, or a non-finite value.
  absl::Status Observe(const std::vector<Coalition>& coalitions, const std::vector<double>& values);
  // The estimate from the rounds completed so far (final once Done()). Deterministic: rank
  // intervals use a bootstrap seeded from options().seed.
  ShapleyResult Result() const;

  const EstimatorOptions& options() const { return options_; }
  int64_t evaluations() const { return static_cast<int64_t>(values_.size()); }

 protected:
  explicit Estimator(const EstimatorOptions& options);

  struct Estimates {  // per player, plus ShapleyResult::samples
    std::vector<double> value, std_error;
    std::vector<int64_t> evaluations;
    int64_t samples = 0;
  };

  // Collects one round's coalitions within the remaining budget, a unit (coalitions needed
  // together, e.g. an antithetic pair) at a time. Keeps a pointer to its estimator.
  class RoundBuilder {
   public:
    // Adds the unit's coalitions not valued or added yet if they fit in the budget; otherwise
    // adds nothing and returns false.
    bool TryAdd(const std::vector<Coalition>& unit);
    std::vector<Coalition> Take() { return std::move(ask_); }

   private:
    friend class Estimator;
    RoundBuilder(const Estimator* estimator, int64_t budget_left);
    const Estimator* estimator_;
    int64_t budget_left_;
    absl::flat_hash_set<Coalition> added_;
    std::vector<Coalition> ask_;
  };

  // Hooks. NextRound starts a round (coalitions to value in *ask, possibly none if all are known)
  // or returns false when the budget allows none (stopping with kBudgetSpent unless Stop() was
  // called). Consume is called once all of that round's coalitions are valued; it may Stop().
  virtual bool NextRound(std::vector<Coalition>* ask) = 0;
  virtual void Consume() = 0;
  virtual Estimates Estimate() const = 0;
  // `count` bootstrap resamples of the values (rank intervals); none for exact estimators or
  // with too few samples, which gives point rank intervals.
  virtual std::vector<std::vector<double>> Bootstrap(Rng& rng, int count) const;
  virtual double PossibleCoalitions() const;  // distinct coalitions it could ask; 2^n
  virtual bool HasStdErrors() const { return true; }

  int num_players() const { return options_.num_players; }
  bool Known(const Coalition& c) const { return values_.contains(c); }
  double Value(const Coalition& c) const { return values_.at(c); }  // REQUIRES: Known(c)
  RoundBuilder NewRound() const;
  void Stop(StopReason reason) { stop_reason_ = reason; }
  // Stops with kTargetReached if options().target_stderr > 0, samples >= min_samples and every
  // standard error of Estimate() is <= target_stderr (Estimate() runs only if the first two hold).
  void StopIfTargetReached(int64_t samples);

 private:
  friend absl::StatusOr<std::unique_ptr<Estimator>> MakeEstimator(const EstimatorOptions&);
  absl::Status CheckObservation(const std::vector<Coalition>& coalitions,
                                const std::vector<double>& values) const;
  void AdvanceRounds();  // while the round is complete: consume it and start the next
  void StartRound(std::vector<Coalition> ask);

  const EstimatorOptions options_;
  StopReason stop_reason_ = StopReason::kRunning;
  bool started_ = false;
  ValueMap values_;
  std::vector<Coalition> round_;  // the current round, deduplicated, unknown when started
  absl::flat_hash_set<Coalition> outstanding_;
  size_t first_outstanding_ = 0;  // round_[i] is observed for every i below it
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_H_
