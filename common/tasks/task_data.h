// Readers for the downstream benchmarks in the files users have on disk (METHODS.md §7): the MMLU
// release CSV tree, AI2 ARC, BoolQ and GSM8K JSONL, and the seeded held-out split of calibration
// sequences. A malformed row is InvalidArgument "file:line: what is wrong"; with skip_bad_rows it
// is skipped and counted instead. Torch-free.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(Rows<ArcItem> arc, ReadArc("data/arc/test.jsonl", {}));
#ifndef DEPTHLAB_COMMON_TASKS_TASK_DATA_H_
#define DEPTHLAB_COMMON_TASKS_TASK_DATA_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace depthlab::tasks {

struct ReadOptions {
  // Skip and count rows that parse but are invalid (a JSONL line that is not a JSON object, a
  // missing or mistyped field, an answer outside the choices, a CSV row of the wrong shape). A CSV
  // file that cannot be split into records (an unterminated quote) is always an error.
  bool skip_bad_rows = false;
};

// The items of one file plus the number of rows skipped under ReadOptions::skip_bad_rows.
template <typename T>
struct Rows {
  std::vector<T> items;
  int skipped_rows = 0;
};

// MMLU: columns question,A,B,C,D,answer (a letter A-D), no header.
struct MmluQuestion {
  std::string question;
  std::array<std::string, 4> choices;
  int answer = 0;  // 0..3 for A..D
  int line = 0;    // where the row starts in its file
};

struct MmluSubject {
  std::string name;                     // file stem, e.g. "high_school_physics"
  std::vector<MmluQuestion> shots;      // dev/{name}_dev.csv (empty when shots are not needed)
  std::vector<MmluQuestion> questions;  // {split}/{name}_{split}.csv
};

struct MmluReadOptions {
  std::string split = "test";         // "test", "val" or "dev"
  std::vector<std::string> subjects;  // empty = every {subject}_{split}.csv, sorted by name
  bool read_shots = true;             // also read dev/{subject}_dev.csv (NotFound if missing)
  bool skip_bad_rows = false;
};

struct MmluData {
  std::vector<MmluSubject> subjects;
  int skipped_rows = 0;
};

// Reads the MMLU release layout under `dir`: {dir}/{split}/{subject}_{split}.csv and
// {dir}/dev/{subject}_dev.csv. NotFound naming the missing directory or file.
absl::StatusOr<MmluData> ReadMmlu(const std::string& dir, const MmluReadOptions& options);

// AI2 ARC: {"id", "question": {"stem", "choices": [{"text", "label"}]}, "answerKey"}.
struct ArcItem {
  std::string id;
  std::string stem;
  std::vector<std::string> choices;  // texts, in file order
  std::vector<std::string> labels;   // "A".."E" or "1".."5"
  int answer = 0;                    // index of answerKey among labels
  int line = 0;
};
absl::StatusOr<Rows<ArcItem>> ReadArc(const std::string& path, const ReadOptions& options);

// BoolQ: {"question", "title", "answer": true/false, "passage"} ("title" is optional).
struct BoolqItem {
  std::string question;
  std::string passage;
  bool answer = false;
  int line = 0;
};
absl::StatusOr<Rows<BoolqItem>> ReadBoolq(const std::string& path, const ReadOptions& options);

// GSM8K: {"question", "answer"}, the worked answer ending in "#### N".
struct Gsm8kItem {
  std::string question;
  std::string answer;  // the full worked answer, as in the file
  std::string target;  // N after the last "####", normalised by NormalizeGsm8kNumber
  int line = 0;
};
absl::StatusOr<Rows<Gsm8kItem>> ReadGsm8k(const std::string& path, const ReadOptions& options);

// Trims whitespace, removes ',' and '$', and drops one trailing '.': "$1,234." -> "1234".
std::string NormalizeGsm8kNumber(absl::string_view text);

// A split of sequence indices 0..n-1: a deterministic (by seed, platform-independent) shuffle
// whose first max(1, round(held_out_fraction * n)) indices are held out. Both lists ascending.
struct SequenceSplit {
  std::vector<int> calibration;
  std::vector<int> held_out;
};
// InvalidArgument unless n >= 1 and 0 < held_out_fraction <= 1.
absl::StatusOr<SequenceSplit> SplitHeldOut(int n, double held_out_fraction, uint64_t seed);

}  // namespace depthlab::tasks

#endif  // DEPTHLAB_COMMON_TASKS_TASK_DATA_H_
