// ARC-style science questions about the world: which material has a physical property, which
// animal lives somewhere or eats something, and everyday science rules. Stems name a person and
// often a town, so test stems are distinct texts from every training stem.
#ifndef DEPTHLAB_DATA_GENERATOR_ARC_ITEMS_H_
#define DEPTHLAB_DATA_GENERATOR_ARC_ITEMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "data/generator/items.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

struct ArcOptions {
  int train = 2400;
  int test = 240;
  double numeric_label_rate = 0.15;  // labels "1".."5" instead of "A".."E"
};

// Test stems are unique and appear in no training item. ResourceExhausted when the world has
// too few distinct stems for `test`. Deterministic.
absl::StatusOr<Split<ArcItem>> MakeArcItems(const World& world, const ArcOptions& options,
                                            uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_ARC_ITEMS_H_
