// The training corpus for depthlab's bundled model: the world's facts restated in many
// templates, the training splits of every task rendered in their evaluation prompt formats
// (METHODS.md §7) with answers, arithmetic drills and the training calibration documents. No
// test item of any task is in it.
#ifndef DEPTHLAB_DATA_GENERATOR_CORPUS_H_
#define DEPTHLAB_DATA_GENERATOR_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "data/generator/items.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

struct CorpusOptions {
  int statement_repeats = 32;  // times each fact is stated in fact paragraphs
  int statements_per_paragraph = 6;
  int drill_repeats = 6;         // times each arithmetic fact appears
  int mmlu_block_questions = 6;  // questions per MMLU block (five shots and one more)
  int mmlu_passes = 3;           // renderings of the MMLU train split (choices reshuffled)
  int gsm8k_block_questions = 6;
  // Lookup drills (corpus.cc, CopyDrill): documents of `copy_drills_per_document` drills each.
  // One per document, so that a model trained with a document mask never finds the asked word
  // in an earlier drill; many, so that the matching they teach is learned early in training.
  int copy_drill_documents = 40000;
  int copy_drills_per_document = 1;
  // The warm-up corpus (BuildWarmupCorpus, train/warmup.jsonl): box and letter drills alone.
  int warmup_box_drills = 24000;
  int warmup_letter_drills = 0;
};

// The evaluation prompts with the answer filled in.
// "The following are multiple choice questions (with answers) about {words}.\n\n"
std::string MmluHeader(const std::string& words);
// "{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer: {letter}\n\n"
std::string MmluExample(const MmluItem& item);
// "Question: {stem}\nAnswer: {correct choice text}"
std::string ArcExample(const ArcItem& item);
// "{passage}\nQuestion: {question}?\nAnswer: yes" (or "no")
std::string BoolqExample(const BoolqItem& item);
// "Question: {question}\nAnswer: {answer}\n\n"
std::string Gsm8kExample(const Gsm8kItem& item);

// Corpus documents in a seeded random order. `tasks` supplies the training splits (MMLU train,
// ARC/BoolQ/GSM8K train, calibration train); its corpus field is ignored.
std::vector<std::string> BuildCorpus(const World& world, const Benchmark& tasks,
                                     const CorpusOptions& options, uint64_t seed);

// The warm-up corpus (train/warmup.jsonl), for the trainer's --warm-corpus: lookup drills alone,
// one per document, in a seeded random order. A small model learns to match a question against
// its context only when such drills are most of what it sees, and early, while attention is still
// near its initialisation (models/README.md); the corpus keeps them in practice afterwards.
std::vector<std::string> BuildWarmupCorpus(const World& world, const CorpusOptions& options,
                                           uint64_t seed);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_CORPUS_H_
