#include "data/generator/benchmark.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "data/generator/calibration_docs.h"
#include "data/generator/world.h"

namespace depthlab::datagen {
namespace {

absl::Status Validate(const GeneratorOptions& o) {
  const std::pair<const char*, int> sizes[] = {
      {"mmlu.dev_per_subject", o.mmlu.dev_per_subject},
      {"mmlu.val_per_subject", o.mmlu.val_per_subject},
      {"mmlu.train_per_forward_key", o.mmlu.train_per_forward_key},
      {"mmlu.train_per_reverse_key", o.mmlu.train_per_reverse_key},
      {"arc.train", o.arc.train},
      {"arc.test", o.arc.test},
      {"boolq.train", o.boolq.train},
      {"boolq.test", o.boolq.test},
      {"gsm8k.train", o.gsm8k.train},
      {"gsm8k.test", o.gsm8k.test},
      {"calibration_train", o.calibration_train},
      {"calibration_test", o.calibration_test},
      {"corpus.statement_repeats", o.corpus.statement_repeats},
      {"corpus.drill_repeats", o.corpus.drill_repeats},
      {"corpus.copy_drill_documents", o.corpus.copy_drill_documents},
      {"corpus.copy_drills_per_document", o.corpus.copy_drills_per_document},
      {"corpus.warmup_box_drills", o.corpus.warmup_box_drills},
      {"corpus.warmup_letter_drills", o.corpus.warmup_letter_drills},
  };
  for (const auto& [name, value] : sizes) {
    if (value < 0) return absl::InvalidArgumentError(absl::StrCat(name, ": ", value, " < 0"));
  }
  // Dev and val each take distinct forward keys; the smallest subject has 40.
  constexpr int kMinForwardKeys = 40;
  if (o.mmlu.dev_per_subject > kMinForwardKeys || o.mmlu.val_per_subject > kMinForwardKeys) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mmlu.dev_per_subject / val_per_subject: at most ", kMinForwardKeys, " per subject"));
  }
  if (o.corpus.statements_per_paragraph < 1 || o.corpus.mmlu_block_questions < 1 ||
      o.corpus.gsm8k_block_questions < 1) {
    return absl::InvalidArgumentError("corpus: paragraph and block sizes must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Benchmark> GenerateBenchmark(const GeneratorOptions& options) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  const World world = BuildWorld(options.seed);
  Benchmark b;
  b.seed = options.seed;
  b.mmlu = MakeMmluItems(world, options.mmlu, options.seed);
  absl::StatusOr<Split<ArcItem>> arc = MakeArcItems(world, options.arc, options.seed);
  if (!arc.ok()) return arc.status();
  b.arc = *std::move(arc);
  absl::StatusOr<Split<BoolqItem>> boolq = MakeBoolqItems(world, options.boolq, options.seed);
  if (!boolq.ok()) return boolq.status();
  b.boolq = *std::move(boolq);
  absl::StatusOr<Split<Gsm8kItem>> gsm8k = MakeGsm8kItems(options.gsm8k, options.seed);
  if (!gsm8k.ok()) return gsm8k.status();
  b.gsm8k = *std::move(gsm8k);
  b.calibration =
      MakeCalibrationDocs(world, options.calibration_train, options.calibration_test, options.seed);
  b.corpus = BuildCorpus(world, b, options.corpus, options.seed);
  b.warmup = BuildWarmupCorpus(world, options.corpus, options.seed);
  return b;
}

}  // namespace depthlab::datagen
