// BoolQ-style reading comprehension: a short passage (2 to 4 sentences) about a person, a
// village or a ship, and a yes/no question about one thing the passage states. "No" questions
// swap in another value of the same kind, so the answer is always in the passage.
#ifndef DEPTHLAB_DATA_GENERATOR_BOOLQ_ITEMS_H_
#define DEPTHLAB_DATA_GENERATOR_BOOLQ_ITEMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "data/generator/items.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

struct BoolqOptions {
  int train = 8000;
  int test = 300;
};

// Exactly half of each split (rounded down) answers yes. No test question or passage appears in
// the training split. ResourceExhausted when too few distinct items exist. Deterministic.
absl::StatusOr<Split<BoolqItem>> MakeBoolqItems(const World& world, const BoolqOptions& options,
                                                uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_BOOLQ_ITEMS_H_
