// GSM8K-style arithmetic word problems with small numbers (one or two operations, every
// intermediate and final result below 100) and worked answers in one regular template ending
// "#### N", plus drill documents of the arithmetic facts the problems need.
//
//   Question: Mira has 3 apples and buys 4 more. How many apples does Mira have now?
//   Answer:   Mira has 3 + 4 = 7 apples.\n#### 7
#ifndef DEPTHLAB_DATA_GENERATOR_GSM8K_ITEMS_H_
#define DEPTHLAB_DATA_GENERATOR_GSM8K_ITEMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/generator/items.h"

namespace depthlab::datagen {

struct Gsm8kOptions {
  int train = 3000;
  int test = 150;
  double two_step_rate = 0.25;
};

// Every question text is unique across both splits. Deterministic.
absl::StatusOr<Split<Gsm8kItem>> MakeGsm8kItems(const Gsm8kOptions& options, uint64_t seed);

// Documents of lines "a + b = c", "a - b = c", "a * b = c", "a / b = c" covering every step the
// problems can take, each fact `repeats` times, shuffled. Deterministic.
std::vector<std::string> MakeArithmeticDrills(int repeats, uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_GSM8K_ITEMS_H_
