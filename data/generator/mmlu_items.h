// MMLU-style questions about the world's facts. A "key" is what a question asks: the value of
// one entity (forward: "What is the capital of Velmark?") or the entity with one value (reverse:
// "Which country has Kelmo as its capital?"). Each test key is asked with one template that no
// other split uses for that key, so no test question text appears in training, yet every test
// question asks about a fact the corpus states.
#ifndef DEPTHLAB_DATA_GENERATOR_MMLU_ITEMS_H_
#define DEPTHLAB_DATA_GENERATOR_MMLU_ITEMS_H_

#include <cstdint>
#include <vector>

#include "data/generator/items.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

struct MmluOptions {
  int dev_per_subject = 5;
  int val_per_subject = 10;
  // Training items (corpus only) per forward and per reverse key, with fresh choices each.
  int train_per_forward_key = 20;
  int train_per_reverse_key = 8;
};

// Test: one item per forward key and per reverse key of relations marked reverse_in_test, with
// the answer letters balanced. Dev, val and train use the other templates. Deterministic.
std::vector<MmluSubjectItems> MakeMmluItems(const World& world, const MmluOptions& options,
                                            uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_MMLU_ITEMS_H_
