#include "coordinator/shapley/rng.h"

#include <cstddef>
#include <numeric>
#include <utility>

namespace depthlab::shapley {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = SplitMix64(seed);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Uniform(uint64_t n) {
  // Rejects the top partial block of [0, 2^64) so every residue is equally likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t r = Next();
    if (r >= threshold) return r % n;
  }
}

double Rng::UniformDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

int Rng::Discrete(const std::vector<double>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  const double u = UniformDouble() * total;
  double cumulative = 0;
  int last_positive = 0;
  for (int i = 0; i < static_cast<int>(weights.size()); ++i) {
    if (weights[i] <= 0) continue;
    cumulative += weights[i];
    last_positive = i;
    if (u < cumulative) return i;
  }
  return last_positive;  // u rounded up to the total
}

std::vector<int> Rng::Permutation(int n) {
  std::vector<int> items(static_cast<size_t>(n));
  std::iota(items.begin(), items.end(), 0);
  return Subset(std::move(items), n);
}

std::vector<int> Rng::Subset(std::vector<int> items, int k) {
  // Partial Fisher-Yates: the first k positions are a uniform k-subset in uniform order.
  const uint64_t size = items.size();
  for (uint64_t i = 0; i < static_cast<uint64_t>(k); ++i) {
    std::swap(items[i], items[i + Uniform(size - i)]);
  }
  items.resize(static_cast<size_t>(k));
  return items;
}

}  // namespace depthlab::shapley
