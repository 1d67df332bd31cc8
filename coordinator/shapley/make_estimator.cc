// MakeEstimator and ResumeEstimator (declared in estimator.h): the one place that knows every
// estimator class.
#include <memory>
#include <utility>

#include "common/status_macros.h"
#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/exact_estimator.h"
#include "coordinator/shapley/kernel_estimator.h"
#include "coordinator/shapley/paper_loo_estimator.h"
#include "coordinator/shapley/permutation_estimator.h"
#include "coordinator/shapley/random_subnetwork_estimator.h"
#include "coordinator/shapley/stratified_estimator.h"

namespace depthlab::shapley {
namespace {

std::unique_ptr<Estimator> New(const EstimatorOptions& options) {
  switch (options.kind) {
    case EstimatorKind::kPaperLoo:
      return std::make_unique<PaperLooEstimator>(options);
    case EstimatorKind::kPaperRandomSubnetworks:
      return std::make_unique<RandomSubnetworkEstimator>(options);
    case EstimatorKind::kExact:
      return std::make_unique<ExactEstimator>(options);
    case EstimatorKind::kPermutation:
      return std::make_unique<PermutationEstimator>(options);
    case EstimatorKind::kKernel:
      return std::make_unique<KernelEstimator>(options);
    case EstimatorKind::kStratified:
      return std::make_unique<StratifiedEstimator>(options);
  }
  return nullptr;  // unreachable: ValidateOptions checked the kind
}

}  // namespace

absl::StatusOr<std::unique_ptr<Estimator>> MakeEstimator(const EstimatorOptions& options) {
  DEPTHLAB_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<Estimator> estimator = New(options);
  estimator->AdvanceRounds();  // starts the first round
  return estimator;
}

absl::StatusOr<std::unique_ptr<Estimator>> ResumeEstimator(const EstimatorOptions& options,
                                                           const ValueMap& known) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<Estimator> estimator, MakeEstimator(options));
  while (!estimator->Done()) {
    std::vector<Coalition> coalitions;
    std::vector<double> values;
    for (Coalition& c : estimator->Outstanding()) {
      const auto it = known.find(c);
      if (it == known.end()) continue;
      coalitions.push_back(std::move(c));
      values.push_back(it->second);
    }
    if (coalitions.empty()) break;
    DEPTHLAB_RETURN_IF_ERROR(estimator->Observe(coalitions, values));
  }
  return estimator;
}

}  // namespace depthlab::shapley
