// An RFC 4180 CSV reader for benchmark files (the MMLU release CSVs): comma-separated fields,
// records ended by LF or CRLF, and double-quoted fields that may hold commas, line breaks and
// doubled quotes (""). Each record remembers the line it starts on, so callers can name file:line
// in their own errors. Torch-free.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(std::vector<CsvRecord> rows, ReadCsvFile("dev/anatomy_dev.csv"));
//   for (const CsvRecord& r : rows) Use(r.fields);  // r.line for messages
#ifndef DEPTHLAB_COMMON_TASKS_CSV_H_
#define DEPTHLAB_COMMON_TASKS_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace depthlab::tasks {

struct CsvRecord {
  int line = 0;  // 1-based line of the record's first character
  std::vector<std::string> fields;
};

// Parses `text`; `name` (the file name) prefixes error messages. InvalidArgument "name:line: ..."
// for an unterminated quoted field (naming the line of its opening quote) or text between a
// closing quote and the next separator. Blank lines are skipped and a leading UTF-8 byte-order
// mark is ignored. Line breaks inside quoted fields are kept as written. A quote inside an
// unquoted field is kept literally (as Python's csv module, which wrote MMLU, reads it).
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text, absl::string_view name);

// Reads and parses the file at `path`; NotFound if it cannot be opened.
absl::StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path);

}  // namespace depthlab::tasks

#endif  // DEPTHLAB_COMMON_TASKS_CSV_H_
