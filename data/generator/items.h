// The generated benchmark in memory: one struct per task item, mirroring the fields of the real
// on-disk formats (METHODS.md §7), and the whole generated data set. writers.h puts it on disk.
#ifndef DEPTHLAB_DATA_GENERATOR_ITEMS_H_
#define DEPTHLAB_DATA_GENERATOR_ITEMS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace depthlab::datagen {

// One row of an MMLU CSV: question, four choices, the answer letter.
struct MmluItem {
  std::string question;
  std::array<std::string, 4> choices;
  int answer = 0;  // 0..3 for A..D

  char AnswerLetter() const { return static_cast<char>('A' + answer); }
};

// One MMLU subject's splits. `train` is not a file of the release: it appears only in the
// training corpus, rendered as 5-shot-style blocks.
struct MmluSubjectItems {
  std::string subject;  // "tarn_geography"
  std::string words;    // "tarn geography"
  std::vector<MmluItem> dev, val, test, train;
};

struct ArcChoice {
  std::string text;
  std::string label;  // "A".."E" or "1".."5"
};

struct ArcItem {
  std::string id;
  std::string stem;
  std::vector<ArcChoice> choices;  // 3 to 5
  std::string answer_key;          // one of the labels
};

struct BoolqItem {
  std::string question;  // no trailing "?", as in BoolQ
  std::string title;
  bool answer = false;
  std::string passage;
};

struct Gsm8kItem {
  std::string question;
  std::string answer;  // worked solution ending "\n#### N"
};

template <typename T>
struct Split {
  std::vector<T> train, test;
};

struct Benchmark {
  uint64_t seed = 0;
  std::vector<MmluSubjectItems> mmlu;
  Split<ArcItem> arc;
  Split<BoolqItem> boolq;
  Split<Gsm8kItem> gsm8k;
  Split<std::string> calibration;   // documents
  std::vector<std::string> corpus;  // training documents, in order
  std::vector<std::string> warmup;  // the warm-up documents trained on first, in order
};

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_ITEMS_H_
