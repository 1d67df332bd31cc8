#include "coordinator/shapley/shapley_result.h"

#include <algorithm>

namespace depthlab::shapley {

std::string StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kRunning:
      return "running";
    case StopReason::kComplete:
      return "complete";
    case StopReason::kTargetReached:
      return "target_reached";
    case StopReason::kBudgetSpent:
      return "budget_spent";
    case StopReason::kExhausted:
      return "exhausted";
  }
  return "unknown";
}

double ShapleyResult::MaxStdError() const {
  double max = 0;
  for (const PlayerEstimate& p : players) max = std::max(max, p.std_error);
  return max;
}

}  // namespace depthlab::shapley
