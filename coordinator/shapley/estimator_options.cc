#include "coordinator/shapley/estimator_options.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace depthlab::shapley {
namespace {

constexpr std::array<std::pair<EstimatorKind, const char*>, 6> kKindNames = {{
    {EstimatorKind::kPaperLoo, "paper_loo"},
    {EstimatorKind::kPaperRandomSubnetworks, "paper_random_subnetworks"},
    {EstimatorKind::kExact, "exact"},
    {EstimatorKind::kPermutation, "permutation"},
    {EstimatorKind::kKernel, "kernel"},
    {EstimatorKind::kStratified, "stratified"},
}};

bool IsSampling(EstimatorKind kind) {
  return kind != EstimatorKind::kExact && kind != EstimatorKind::kPaperLoo;
}

absl::Status Invalid(absl::string_view field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("shapley options: ", field, ": ", what));
}

absl::Status ValidatePlayers(const EstimatorOptions& o) {
  if (o.num_players < 2 || o.num_players > kMaxPlayers) {
    return Invalid("num_players",
                   absl::StrCat("must be in [2, ", kMaxPlayers, "]; got ", o.num_players));
  }
  if (o.kind == EstimatorKind::kExact && o.num_players > kMaxExactPlayers) {
    return Invalid("num_players", absl::StrCat("exact enumerates 2^n coalitions and allows n <= ",
                                               kMaxExactPlayers, "; got ", o.num_players,
                                               " (use permutation, kernel or stratified)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateBudget(const EstimatorOptions& o) {
  const std::string kind = EstimatorKindName(o.kind);
  if (o.budget < 0) return Invalid("budget", absl::StrCat("must be >= 0; got ", o.budget));
  if (o.budget == 0) {
    if (!IsSampling(o.kind)) return absl::OkStatus();
    return Invalid("budget", absl::StrCat("required for ", kind, " (most evaluations to spend)"));
  }
  const int64_t minimum = MinimumBudget(o);
  if (o.budget < minimum) {
    return Invalid("budget", absl::StrCat(kind, " with ", o.num_players, " players needs >= ",
                                          minimum, " evaluations; got ", o.budget));
  }
  return absl::OkStatus();
}

absl::Status ValidateTuning(const EstimatorOptions& o) {
  if (!(o.target_stderr >= 0) || !std::isfinite(o.target_stderr)) {
    return Invalid("target_stderr", absl::StrCat("must be finite and >= 0; got ", o.target_stderr));
  }
  if (o.batch_size < 1)
    return Invalid("batch_size", absl::StrCat("must be >= 1; got ", o.batch_size));
  if (o.bootstrap_samples < 0 || o.bootstrap_samples > 100000) {
    return Invalid("bootstrap_samples",
                   absl::StrCat("must be in [0, 100000]; got ", o.bootstrap_samples));
  }
  if (!(o.subnetwork_fraction > 0 && o.subnetwork_fraction < 1)) {
    return Invalid("subnetwork_fraction",
                   absl::StrCat("must be in (0, 1); got ", o.subnetwork_fraction));
  }
  if (o.min_samples < 2) {
    return Invalid("min_samples", absl::StrCat("must be >= 2; got ", o.min_samples));
  }
  if (o.pilot_samples < 2) {
    return Invalid(
        "pilot_samples",
        absl::StrCat("must be >= 2 (a variance needs two samples); got ", o.pilot_samples));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EstimatorKind> ParseEstimatorKind(absl::string_view name) {
  std::vector<std::string> valid;
  for (const auto& [kind, kind_name] : kKindNames) {
    if (name == kind_name) return kind;
    valid.push_back(kind_name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "shapley estimator \"", name, "\" is unknown; valid: ", absl::StrJoin(valid, ", ")));
}

std::string EstimatorKindName(EstimatorKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

absl::Status ValidateOptions(const EstimatorOptions& options) {
  bool known_kind = false;
  for (const auto& entry : kKindNames) known_kind |= entry.first == options.kind;
  if (!known_kind) {
    return Invalid("kind", absl::StrCat("unknown value ", static_cast<int>(options.kind)));
  }
  if (absl::Status s = ValidatePlayers(options); !s.ok()) return s;
  if (absl::Status s = ValidateTuning(options); !s.ok()) return s;
  return ValidateBudget(options);
}

int64_t MinimumBudget(const EstimatorOptions& options) {
  const int64_t n = options.num_players;
  const int64_t all = n < 62 ? int64_t{1} << n : INT64_MAX;
  switch (options.kind) {
    case EstimatorKind::kPaperLoo:
      return n + 2;
    case EstimatorKind::kExact:
      return all;
    case EstimatorKind::kPermutation:
      return 2 * n;
    case EstimatorKind::kKernel:
      return std::min(all, 2 * n + 2);
    case EstimatorKind::kStratified:
      return std::min(all, 2 + 2 * n + 2 * n * (n - 2) * int64_t{options.pilot_samples});
    case EstimatorKind::kPaperRandomSubnetworks:
      return 4;
  }
  return 0;
}

int SubnetworkSize(const EstimatorOptions& options) {
  const int n = options.num_players;
  const int size = static_cast<int>(std::lround(options.subnetwork_fraction * n));
  return std::clamp(size, 1, n - 1);
}

}  // namespace depthlab::shapley
