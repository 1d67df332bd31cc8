// The on-disk formats of the real benchmarks (METHODS.md §7), rendered to strings so that tests
// can compare outputs without touching the disk, and written under an output directory:
//
//   mmlu/{dev,val,test}/{subject}_{split}.csv   no header: question,A,B,C,D,answer (RFC 4180)
//   arc/{train,test}.jsonl {"id","question":{"stem","choices":[{"text","label"}]},"answerKey"}
//   boolq/{train,test}.jsonl     {"question","title","answer","passage"}
//   gsm8k/{train,test}.jsonl     {"question","answer"}
//   calibration/{train,test}.jsonl, train/corpus.jsonl   {"text"}
//   manifest.json                seed and item counts
#ifndef DEPTHLAB_DATA_GENERATOR_WRITERS_H_
#define DEPTHLAB_DATA_GENERATOR_WRITERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "data/generator/items.h"

namespace depthlab::datagen {

// RFC 4180: the field as is, or in double quotes with inner quotes doubled when it contains a
// comma, a double quote, CR or LF.
std::string CsvField(absl::string_view field);
// Fields joined by commas, ending "\n".
std::string CsvRow(const std::vector<std::string>& fields);

std::string MmluCsv(const std::vector<MmluItem>& items);
std::string ArcJsonl(const std::vector<ArcItem>& items);
std::string BoolqJsonl(const std::vector<BoolqItem>& items);
std::string Gsm8kJsonl(const std::vector<Gsm8kItem>& items);
// One {"text": ...} object per line.
std::string TextJsonl(const std::vector<std::string>& texts);

// Every file of `benchmark`: path relative to the output directory -> contents.
std::map<std::string, std::string> RenderFiles(const Benchmark& benchmark);

// Writes `files` under `dir`, creating directories and replacing existing files; other files in
// `dir` are left alone. FailedPrecondition naming the path when a file cannot be written.
absl::Status WriteFiles(const std::map<std::string, std::string>& files, const std::string& dir);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_WRITERS_H_
