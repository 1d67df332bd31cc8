// Shapley estimators against the exact values on a real model: the bundled model's block game
// (tests/testing/block_game.h: v(S) = -mean next-token NLL on 16 calibration sequences of 64
// tokens with only the blocks in S kept), all 2^L coalitions valued once and then used as the
// oracle. For permutation, kernel and stratified at equal budgets (distinct coalitions valued, the
// unit a sweep pays for): mean absolute error and RMSE against the exact values, coverage of the
// 95% intervals, Kendall's tau against the exact ranking; and the paper's estimators' tau (their
// estimands are not the Shapley value, so only their rankings compare). Prints the exact values
// per block beside leave-one-out. Accuracy, not timing, is the point here; the baseline every
// row is compared with is the exact estimator on the same table.
//
// Usage: shapley_validation_bench [--runs N] [--sequences N] [--threads N] [--model DIR]
//            [--calibration FILE] [--quick]
// --quick (or DEPTHLAB_BENCH_QUICK=1) scores 20 seeds per row instead of 200.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "coordinator/shapley/estimator_options.h"
#include "coordinator/shapley/ranking.h"
#include "coordinator/shapley/rng.h"
#include "coordinator/shapley/shapley_result.h"
#include "tests/testing/block_game.h"
#include "tests/testing/estimator_validation.h"

namespace depthlab::bench {
namespace {

using shapley::EstimatorKind;
using shapley::EstimatorOptions;
using testing::EstimatorScore;

const std::vector<int64_t> kBudgets = {32, 64, 128, 192, 224};

struct Flags {
  int runs = 200;
  int sequences = testing::BlockGameOptions().num_sequences;
  int threads = testing::BlockGameOptions().num_threads;  // 0 = every core
  bool quick = false;
  std::string model = std::string(DEPTHLAB_SOURCE_DIR) + "/models/tiny";
  std::string calibration = std::string(DEPTHLAB_SOURCE_DIR) + "/data/calibration/test.jsonl";
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      flags.quick = true;
    } else if (arg == "--runs" && has_value) {
      flags.runs = std::atoi(argv[++i]);
    } else if (arg == "--sequences" && has_value) {
      flags.sequences = std::atoi(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      flags.threads = std::atoi(argv[++i]);
    } else if (arg == "--model" && has_value) {
      flags.model = argv[++i];
    } else if (arg == "--calibration" && has_value) {
      flags.calibration = argv[++i];
    } else {
      std::fprintf(stderr, "shapley_validation_bench: ignoring argument %s\n", arg.c_str());
    }
  }
  if (const char* env = std::getenv("DEPTHLAB_BENCH_QUICK"); env != nullptr && *env != '\0') {
    flags.quick = true;
  }
  if (flags.quick) flags.runs = 20;
  if (flags.runs < 1) flags.runs = 1;
  return flags;
}

EstimatorOptions Options(EstimatorKind kind, int n, int64_t budget) {
  EstimatorOptions o;
  o.kind = kind;
  o.num_players = n;
  o.budget = budget;
  // The smallest pilot (2 draws per stratum) gives stratified its lowest minimum budget.
  o.pilot_samples = 2;
  return o;
}

// C(n, k).
double Choose(int n, int k) {
  double c = 1;
  for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

std::string Fixed(double x, int precision) {
  if (std::isnan(x)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.*f", precision, x);
  return buffer;
}

void PrintHeader() {
  std::printf("%-26s %6s %7s %8s %9s %9s %8s %9s %8s %8s\n", "estimator", "budget", "evals",
              "samples", "MAE", "RMSE", "cover95", "halfwidth", "tau", "med tau");
}

// One row; a budget the estimator cannot run at prints why.
void PrintRow(const shapley::games::Game& game, const std::vector<double>& exact,
              EstimatorKind kind, int64_t budget, int runs) {
  const EstimatorOptions options = Options(kind, game.n, budget);
  const std::string name = shapley::EstimatorKindName(kind);
  if (budget > 0 && budget < shapley::MinimumBudget(options)) {
    std::printf("%-26s %6lld   (needs a budget >= %lld at n = %d, pilot_samples 2)\n", name.c_str(),
                static_cast<long long>(budget),
                static_cast<long long>(shapley::MinimumBudget(options)), game.n);
    return;
  }
  absl::StatusOr<EstimatorScore> s = testing::ScoreEstimator(game, exact, options, runs);
  if (!s.ok()) {
    std::printf("%-26s %6lld   error: %s\n", name.c_str(), static_cast<long long>(budget),
                s.status().ToString().c_str());
    return;
  }
  // The paper's estimators estimate other quantities (leave-one-out influence, a present-minus-
  // absent contrast) on other scales, so only their rankings are compared with phi.
  const bool estimates_phi =
      kind != EstimatorKind::kPaperLoo && kind != EstimatorKind::kPaperRandomSubnetworks;
  auto phi_only = [&](double x) { return estimates_phi ? x : NAN; };
  std::printf("%-26s %6s %7.1f %8.1f %9s %9s %8s %9s %8.3f %8.3f\n", name.c_str(),
              budget > 0 ? absl::StrCat(budget).c_str() : "-", s->mean_evaluations, s->mean_samples,
              Fixed(phi_only(s->mean_abs_error), 5).c_str(), Fixed(phi_only(s->rmse), 5).c_str(),
              Fixed(phi_only(s->coverage), 3).c_str(),
              Fixed(phi_only(s->mean_half_width), 5).c_str(), s->mean_tau, s->median_tau);
}

// Kendall's tau of uniformly random values against the exact ones: what "no information" scores.
void PrintRandomBaseline(const std::vector<double>& exact, int runs) {
  shapley::Rng rng(1);
  std::vector<double> taus;
  for (int r = 0; r < runs; ++r) {
    std::vector<double> noise(exact.size());
    for (double& x : noise) x = rng.UniformDouble();
    taus.push_back(shapley::KendallTau(noise, exact).value_or(0));
  }
  double mean = 0;
  for (double t : taus) mean += t / static_cast<double>(taus.size());
  std::printf("%-26s %6s %7s %8s %9s %9s %8s %9s %8.3f %8.3f\n", "(random values)", "-", "0", "-",
              "-", "-", "-", "-", mean, testing::Median(taus));
}

void PrintBlocks(const testing::BlockGame& block_game, const shapley::ShapleyResult& exact) {
  const int n = block_game.num_blocks;
  const shapley::Coalition all = shapley::Coalition::Full(n);
  std::vector<double> loo(n);
  for (int b = 0; b < n; ++b) loo[b] = block_game.Value(all) - block_game.Value(all.Without(b));
  const std::vector<int> loo_rank = shapley::Ranks(loo);
  std::printf("%-6s %10s %5s %12s %12s %9s\n", "block", "phi", "rank", "v(all\\{b})", "LOO",
              "LOO rank");
  for (int b = 0; b < n; ++b) {
    std::printf("%-6d %10.5f %5d %12.5f %12.5f %9d\n", b, exact.players[b].value,
                exact.players[b].rank, block_game.Value(all.Without(b)), loo[b], loo_rank[b]);
  }
  std::printf("std of phi over blocks: %.5f\n\n", testing::StdDev(testing::Values(exact)));
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  testing::BlockGameOptions game_options;
  game_options.model_dir = flags.model;
  game_options.calibration_path = flags.calibration;
  game_options.num_sequences = flags.sequences;
  game_options.num_threads = flags.threads;
  absl::StatusOr<testing::BlockGame> block_game = testing::EvaluateBlockGame(game_options);
  if (!block_game.ok()) {
    std::fprintf(stderr, "shapley_validation_bench: %s\n", block_game.status().ToString().c_str());
    return 1;
  }
  const shapley::games::Game game = block_game->AsGame();
  absl::StatusOr<shapley::ShapleyResult> exact = testing::ExactShapley(game);
  if (!exact.ok()) {
    std::fprintf(stderr, "shapley_validation_bench: %s\n", exact.status().ToString().c_str());
    return 1;
  }
  const std::vector<double> phi = testing::Values(*exact);
  std::printf(
      "Shapley validation%s: %s, %d blocks, %lld predicted tokens per coalition; %d coalitions "
      "valued in %.1f s on %s\n",
      flags.quick ? " (--quick)" : "", flags.model.c_str(), game.n,
      static_cast<long long>(block_game->tokens), 1 << game.n, block_game->seconds,
      block_game->engine.c_str());
  std::printf("v(all) = %.5f, v(none) = %.5f, sum(phi) = %.5f, efficiency gap %.2e\n\n",
              exact->value_all, exact->value_none, exact->efficiency.sum_of_values,
              exact->efficiency.gap);
  PrintBlocks(*block_game, *exact);

  std::printf(
      "Against exact phi, %d seeds per row (budget: most distinct coalitions; evals: "
      "mean distinct coalitions valued):\n",
      flags.runs);
  PrintHeader();
  for (EstimatorKind kind :
       {EstimatorKind::kPermutation, EstimatorKind::kKernel, EstimatorKind::kStratified}) {
    for (int64_t budget : kBudgets) PrintRow(game, phi, kind, budget, flags.runs);
  }
  PrintRow(game, phi, EstimatorKind::kPaperLoo, 0, 1);
  for (int64_t budget : {16, 32, 64}) {
    PrintRow(game, phi, EstimatorKind::kPaperRandomSubnetworks, budget, flags.runs);
  }
  PrintRandomBaseline(phi, flags.runs);
  const int k = shapley::SubnetworkSize(Options(EstimatorKind::kPaperRandomSubnetworks, game.n, 1));
  std::printf(
      "\ncover95: share of (seed, block) with |phi_hat - phi| <= 1.96 se; halfwidth: mean 1.96 "
      "se; samples: pairs (permutation: antithetic, kernel: sampled), marginal contributions "
      "(stratified), draws (paper_random_subnetworks).\npaper_loo and paper_random_subnetworks "
      "estimate other quantities than phi: only their "
      "tau is shown. paper_random_subnetworks draws coalitions of %d blocks (%.0f possible).\n",
      k, Choose(game.n, k));
  return 0;
}

}  // namespace
}  // namespace depthlab::bench

int main(int argc, char** argv) { return depthlab::bench::Main(argc, argv); }
