// Generates the whole synthetic benchmark from one seed: the world, every task's splits, the
// calibration documents and the training corpus.
//
//   GeneratorOptions options;
//   options.seed = 1;
//   DEPTHLAB_ASSIGN_OR_RETURN(Benchmark b, GenerateBenchmark(options));   // (or check .ok())
//   absl::Status s = WriteFiles(RenderFiles(b), "data");                  // writers.h
#ifndef DEPTHLAB_DATA_GENERATOR_BENCHMARK_H_
#define DEPTHLAB_DATA_GENERATOR_BENCHMARK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "data/generator/arc_items.h"
#include "data/generator/boolq_items.h"
#include "data/generator/corpus.h"
#include "data/generator/gsm8k_items.h"
#include "data/generator/items.h"
#include "data/generator/mmlu_items.h"

namespace depthlab::datagen {

struct GeneratorOptions {
  uint64_t seed = 1;
  MmluOptions mmlu;
  ArcOptions arc;
  BoolqOptions boolq;
  Gsm8kOptions gsm8k;
  int calibration_train = 600;
  int calibration_test = 120;
  CorpusOptions corpus;
};

// InvalidArgument for negative or inconsistent sizes; ResourceExhausted when a task cannot make
// enough distinct items. Deterministic: the same options give the same benchmark.
absl::StatusOr<Benchmark> GenerateBenchmark(const GeneratorOptions& options);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_BENCHMARK_H_
