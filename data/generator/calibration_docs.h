// Calibration documents: short encyclopedic articles about the world's entities and materials,
// travel stories and science notes, consistent with the world's facts. They are the
// perplexity/statistics text (train and test splits) and part of the training corpus (train).
#ifndef DEPTHLAB_DATA_GENERATOR_CALIBRATION_DOCS_H_
#define DEPTHLAB_DATA_GENERATOR_CALIBRATION_DOCS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "data/generator/items.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

// `train` and `test` documents; no test document equals a training one. Deterministic.
Split<std::string> MakeCalibrationDocs(const World& world, int train, int test, uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_CALIBRATION_DOCS_H_
