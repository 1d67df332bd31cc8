// Prefix reuse (issue 5): unit forwards and wall time of coalition batches evaluated with the
// mask trie (engine::MaskSetOptions{.prefix_reuse = true}) against each mask run alone from the
// embeddings, in the same process on the same sequences, through the public Engine::Losses a
// worker's coalition job calls. Workloads:
//   - leave-one-out over blocks and over sub-layers (the full model and each unit removed);
//   - a permutation-estimator batch (antithetic pairs of random orders; every prefix of an order
//     is a coalition, as METHODS.md §4 asks), over blocks and over sub-layers, as one call and in
//     jobs of 16 masks (the coordinator's default) cut from the masks sorted as the coordinator
//     sorts them, and from the masks in the order the estimator proposed them.
// Each row checks that both ways give identical losses, bit for bit.
//
// Usage: prefix_reuse_bench [MODEL_DIR]   (default: the bundled models/tiny)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "worker/engine/engine.h"

namespace depthlab::engine {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A coalition of kept players as the engine's mask: players are blocks (each removes attention
// and MLP) or flat sub-layer units.
UnitMask MaskOf(const std::vector<bool>& kept, bool blocks, int layers) {
  UnitMask mask = UnitMask::AllKept(layers);
  for (size_t p = 0; p < kept.size(); ++p) {
    if (kept[p]) continue;
    if (blocks) {
      mask.RemoveBlock(static_cast<int>(p));
    } else {
      mask.set_flat(static_cast<int>(p), false);
    }
  }
  return mask;
}

// The mask as the coordinator writes it (flat units, '1' kept): its sort key.
std::string Bits(const UnitMask& mask) {
  std::string bits;
  for (int u = 0; u < mask.num_units(); ++u) bits += mask.kept_flat(u) ? '1' : '0';
  return bits;
}

std::vector<UnitMask> LeaveOneOut(int players, bool blocks, int layers) {
  std::vector<UnitMask> masks = {UnitMask::AllKept(layers)};
  for (int p = 0; p < players; ++p) {
    std::vector<bool> kept(players, true);
    kept[p] = false;
    masks.push_back(MaskOf(kept, blocks, layers));
  }
  return masks;
}

// `pairs` antithetic pairs of random orders; the distinct prefix coalitions in proposal order.
std::vector<UnitMask> PermutationBatch(int players, bool blocks, int layers, int pairs,
                                       std::mt19937_64& rng) {
  std::vector<UnitMask> masks;
  std::set<std::string> seen;
  for (int pair = 0; pair < pairs; ++pair) {
    std::vector<int> order(players);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int side = 0; side < 2; ++side) {
      if (side == 1) std::reverse(order.begin(), order.end());
      std::vector<bool> kept(players, false);
      for (int k = 0; k <= players; ++k) {
        if (k > 0) kept[order[k - 1]] = true;
        UnitMask mask = MaskOf(kept, blocks, layers);
        if (seen.insert(Bits(mask)).second) masks.push_back(std::move(mask));
      }
    }
  }
  return masks;
}

struct Measured {
  int64_t unit_forwards = 0;
  double seconds = 0;
  std::vector<std::vector<double>> nll;  // per mask, per sequence
};

// Runs `masks` in jobs of `job_size` (0 = one call), as a worker would.
Measured Run(const Engine& engine, const TokenSequences& sequences,
             const std::vector<UnitMask>& masks, size_t job_size, bool prefix_reuse) {
  Measured m;
  const size_t step = job_size == 0 ? masks.size() : job_size;
  const auto start = Clock::now();
  for (size_t i = 0; i < masks.size(); i += step) {
    const std::vector<UnitMask> job(masks.begin() + i,
                                    masks.begin() + std::min(masks.size(), i + step));
    absl::StatusOr<MaskLosses> losses =
        engine.Losses(sequences, job, {}, {.prefix_reuse = prefix_reuse});
    if (!losses.ok()) {
      std::fprintf(stderr, "prefix_reuse_bench: %s\n", losses.status().ToString().c_str());
      std::exit(1);
    }
    m.unit_forwards += losses->unit_forwards;
    for (const LossResult& loss : losses->per_mask) m.nll.push_back(loss.sequence_nll);
  }
  m.seconds = Seconds(start);
  return m;
}

void Row(const Engine& engine, const TokenSequences& sequences, const char* name,
         const std::vector<UnitMask>& masks, size_t job_size) {
  Run(engine, sequences, {masks.front()}, 0, false);  // warm-up: first touch of the buffers
  const Measured alone = Run(engine, sequences, masks, job_size, false);
  const Measured shared = Run(engine, sequences, masks, job_size, true);
  const double forwards_ratio =
      static_cast<double>(alone.unit_forwards) / static_cast<double>(shared.unit_forwards);
  std::printf("%-50s %6zu %14lld %12lld %7.2fx %9.2f %9.2f %7.2fx %6s\n", name, masks.size(),
              static_cast<long long>(alone.unit_forwards),
              static_cast<long long>(shared.unit_forwards), forwards_ratio, alone.seconds,
              shared.seconds, alone.seconds / shared.seconds,
              alone.nll == shared.nll ? "yes" : "NO");
}

int Main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : std::string(DEPTHLAB_SOURCE_DIR) + "/models/tiny";
  absl::StatusOr<std::unique_ptr<Engine>> created =
      Engine::Create({.model_dir = model, .device = "auto"});
  if (!created.ok()) {
    std::fprintf(stderr, "prefix_reuse_bench: %s\n", created.status().ToString().c_str());
    return 1;
  }
  const Engine& engine = **created;
  const int layers = engine.config().num_hidden_layers;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured
  // 8 sequences of 128 random tokens: one batch of the engine's default 8.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int32_t> token(0, engine.config().vocab_size - 1);
  TokenSequences sequences(8, std::vector<int32_t>(128));
  for (auto& s : sequences) {
    for (int32_t& t : s) t = token(rng);
  }
  std::printf("prefix reuse bench: %s, %d layers, hidden %d; %zu sequences x %zu tokens; %s\n\n",
              model.c_str(), layers, engine.config().hidden_size, sequences.size(),
              sequences[0].size(), engine.description().c_str());
  std::printf("%-50s %6s %14s %12s %8s %9s %9s %8s %6s\n", "workload", "masks", "unit-fwd alone",
              "shared", "ratio", "s alone", "s shared", "speedup", "same");

  Row(engine, sequences, "leave-one-out, blocks", LeaveOneOut(layers, true, layers), 0);
  Row(engine, sequences, "leave-one-out, sub-layers", LeaveOneOut(2 * layers, false, layers), 0);
  for (const bool blocks : {true, false}) {
    const int players = blocks ? layers : 2 * layers;
    std::vector<UnitMask> proposed = PermutationBatch(players, blocks, layers, 4, rng);
    std::vector<UnitMask> sorted = proposed;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const UnitMask& a, const UnitMask& b) { return Bits(a) > Bits(b); });
    const std::string what = blocks ? "permutation x8, blocks" : "permutation x8, sub-layers";
    Row(engine, sequences, (what + ", one call").c_str(), sorted, 0);
    Row(engine, sequences, (what + ", jobs of 16 sorted").c_str(), sorted, 16);
    Row(engine, sequences, (what + ", jobs of 16 as proposed").c_str(), proposed, 16);
  }
  std::printf(
      "\nunit-fwd: sequences x kept units run (Engine reports it; workers report it per job).\n"
      "ratio = alone / shared unit forwards; speedup = alone / shared seconds, measured one after\n"
      "the other in this process. 'jobs of 16' cuts the masks as the coordinator does (its\n"
      "default --masks-per-job), from the masks sorted kept-first in flat unit order (what the\n"
      "coordinator does) or in the estimator's proposal order (for comparison).\n");
  return 0;
}

}  // namespace
}  // namespace depthlab::engine

int main(int argc, char** argv) { return depthlab::engine::Main(argc, argv); }
