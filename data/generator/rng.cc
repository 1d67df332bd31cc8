#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a: a fixed, portable hash of the stream name.
uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed, absl::string_view stream) {
  uint64_t x = seed ^ Fnv1a(stream);
  for (uint64_t& word : state_) word = SplitMix64(x);
}

uint64_t Rng::Next() {
  const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = RotateLeft(state_[3], 45);
  return result;
}

int Rng::Uniform(int n) {
  // Rejection sampling keeps every value exactly equally likely.
  const uint64_t bound = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return static_cast<int>(x % bound);
}

bool Rng::Chance(double p) {
  // 53 random bits as a double in [0, 1): exact in IEEE arithmetic, so portable.
  return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p;
}

std::vector<int> Rng::Sample(int n, int k) {
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  for (int i = 0; i < k; ++i) std::swap(all[i], all[i + Uniform(n - i)]);
  all.resize(k);
  return all;
}

}  // namespace depthlab::datagen
