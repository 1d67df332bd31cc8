#include "common/tasks/task_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tasks/csv.h"

namespace depthlab::tasks {
namespace {

using nlohmann::json;

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

absl::Status AtLine(const std::string& path, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ---- MMLU ----

absl::Status ParseMmluRow(const CsvRecord& record, MmluQuestion* q) {
  if (record.fields.size() != 6) {
    return Invalid(
        absl::StrCat("expected 6 fields (question,A,B,C,D,answer), got ", record.fields.size()));
  }
  const std::string answer(absl::StripAsciiWhitespace(record.fields[5]));
  if (answer.size() != 1 || answer[0] < 'A' || answer[0] > 'D') {
    return Invalid(absl::StrCat("answer \"", answer, "\" is not one of A, B, C, D"));
  }
  q->question = record.fields[0];
  for (int c = 0; c < 4; ++c) q->choices[c] = record.fields[c + 1];
  q->answer = answer[0] - 'A';
  q->line = record.line;
  return absl::OkStatus();
}

absl::Status ReadMmluFile(const std::string& path, bool skip_bad_rows,
                          std::vector<MmluQuestion>* out, int* skipped) {
  if (!std::filesystem::is_regular_file(path)) {
    return absl::NotFoundError(absl::StrCat(path,
                                            ": missing (expected the MMLU release layout "
                                            "{dir}/{split}/{subject}_{split}.csv)"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ReadCsvFile(path));
  for (const CsvRecord& record : records) {
    MmluQuestion q;
    const absl::Status status = ParseMmluRow(record, &q);
    if (status.ok()) {
      out->push_back(std::move(q));
    } else if (skip_bad_rows) {
      ++*skipped;
    } else {
      return AtLine(path, record.line, status.message());
    }
  }
  return absl::OkStatus();
}

// Subject names of {dir}/{split}/*_{split}.csv, sorted.
absl::StatusOr<std::vector<std::string>> ListMmluSubjects(const std::string& dir,
                                                          const std::string& split) {
  const std::string folder = absl::StrCat(dir, "/", split);
  if (!std::filesystem::is_directory(folder)) {
    return absl::NotFoundError(absl::StrCat(
        folder, ": not a directory (expected the MMLU release layout {dir}/{dev,test}/)"));
  }
  const std::string suffix = absl::StrCat("_", split, ".csv");
  std::vector<std::string> subjects;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (absl::EndsWith(name, suffix) && name.size() > suffix.size()) {
      subjects.push_back(name.substr(0, name.size() - suffix.size()));
    }
  }
  if (subjects.empty()) {
    return absl::NotFoundError(absl::StrCat(folder, ": no *", suffix, " files"));
  }
  std::sort(subjects.begin(), subjects.end());
  return subjects;
}

// ---- JSONL ----

absl::StatusOr<const json*> Field(const json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end()) return Invalid(absl::StrCat("missing \"", key, "\""));
  return &*it;
}

absl::StatusOr<std::string> StringField(const json& row, const char* key) {
  DEPTHLAB_ASSIGN_OR_RETURN(const json* value, Field(row, key));
  if (!value->is_string()) return Invalid(absl::StrCat("\"", key, "\" must be a string"));
  return value->get<std::string>();
}

absl::StatusOr<const json*> ObjectField(const json& row, const char* key) {
  DEPTHLAB_ASSIGN_OR_RETURN(const json* value, Field(row, key));
  if (!value->is_object()) return Invalid(absl::StrCat("\"", key, "\" must be an object"));
  return value;
}

template <typename T>
using RowParser = absl::Status (*)(const json& row, T* item);

// Parses every non-blank line of a JSONL file with `parse`, prefixing errors with path:line.
template <typename T>
absl::StatusOr<Rows<T>> ReadJsonl(const std::string& path, const ReadOptions& options,
                                  RowParser<T> parse) {
  DEPTHLAB_ASSIGN_OR_RETURN(const std::string text, ReadText(path));
  Rows<T> rows;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json row = json::parse(line, nullptr, /*allow_exceptions=*/false);
    T item;
    absl::Status status = row.is_discarded() ? Invalid("not valid JSON")
                          : !row.is_object() ? Invalid("not a JSON object")
                                             : parse(row, &item);
    if (!status.ok()) {
      if (!options.skip_bad_rows) return AtLine(path, number, status.message());
      ++rows.skipped_rows;
      continue;
    }
    item.line = number;
    rows.items.push_back(std::move(item));
  }
  return rows;
}

absl::Status ParseArcChoices(const json& choices, ArcItem* item) {
  if (!choices.is_array() || choices.empty()) {
    return Invalid("\"question.choices\" must be a non-empty array");
  }
  for (const json& choice : choices) {
    if (!choice.is_object()) return Invalid("each of \"question.choices\" must be an object");
    DEPTHLAB_ASSIGN_OR_RETURN(std::string text, StringField(choice, "text"));
    DEPTHLAB_ASSIGN_OR_RETURN(std::string label, StringField(choice, "label"));
    item->choices.push_back(std::move(text));
    item->labels.push_back(std::move(label));
  }
  return absl::OkStatus();
}

absl::Status ParseArcRow(const json& row, ArcItem* item) {
  if (row.contains("id")) {
    DEPTHLAB_ASSIGN_OR_RETURN(item->id, StringField(row, "id"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const json* question, ObjectField(row, "question"));
  DEPTHLAB_ASSIGN_OR_RETURN(item->stem, StringField(*question, "stem"));
  DEPTHLAB_ASSIGN_OR_RETURN(const json* choices, Field(*question, "choices"));
  DEPTHLAB_RETURN_IF_ERROR(ParseArcChoices(*choices, item));
  DEPTHLAB_ASSIGN_OR_RETURN(const std::string key, StringField(row, "answerKey"));
  auto it = std::find(item->labels.begin(), item->labels.end(), key);
  if (it == item->labels.end()) {
    return Invalid(absl::StrCat("answerKey \"", key, "\" is not among the labels ",
                                absl::StrJoin(item->labels, ", ")));
  }
  item->answer = static_cast<int>(it - item->labels.begin());
  return absl::OkStatus();
}

absl::Status ParseBoolqRow(const json& row, BoolqItem* item) {
  DEPTHLAB_ASSIGN_OR_RETURN(item->question, StringField(row, "question"));
  DEPTHLAB_ASSIGN_OR_RETURN(item->passage, StringField(row, "passage"));
  DEPTHLAB_ASSIGN_OR_RETURN(const json* answer, Field(row, "answer"));
  if (!answer->is_boolean()) return Invalid("\"answer\" must be true or false");
  item->answer = answer->get<bool>();
  return absl::OkStatus();
}

absl::Status ParseGsm8kRow(const json& row, Gsm8kItem* item) {
  DEPTHLAB_ASSIGN_OR_RETURN(item->question, StringField(row, "question"));
  DEPTHLAB_ASSIGN_OR_RETURN(item->answer, StringField(row, "answer"));
  const size_t marker = item->answer.rfind("####");
  if (marker == std::string::npos) return Invalid("\"answer\" does not end with \"#### N\"");
  item->target = NormalizeGsm8kNumber(absl::string_view(item->answer).substr(marker + 4));
  if (item->target.empty()) return Invalid("\"answer\" has no number after \"####\"");
  return absl::OkStatus();
}

// A uniform index in [0, bound) from 64 random bits, by rejection (no modulo bias), so the
// shuffle is the same on every platform (std::uniform_int_distribution is not specified).
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % bound;
}

}  // namespace

absl::StatusOr<MmluData> ReadMmlu(const std::string& dir, const MmluReadOptions& options) {
  std::vector<std::string> names = options.subjects;
  if (names.empty()) {
    DEPTHLAB_ASSIGN_OR_RETURN(names, ListMmluSubjects(dir, options.split));
  }
  MmluData data;
  for (const std::string& name : names) {
    MmluSubject subject;
    subject.name = name;
    DEPTHLAB_RETURN_IF_ERROR(
        ReadMmluFile(absl::StrCat(dir, "/", options.split, "/", name, "_", options.split, ".csv"),
                     options.skip_bad_rows, &subject.questions, &data.skipped_rows));
    if (options.read_shots) {
      DEPTHLAB_RETURN_IF_ERROR(ReadMmluFile(absl::StrCat(dir, "/dev/", name, "_dev.csv"),
                                            options.skip_bad_rows, &subject.shots,
                                            &data.skipped_rows));
    }
    data.subjects.push_back(std::move(subject));
  }
  return data;
}

absl::StatusOr<Rows<ArcItem>> ReadArc(const std::string& path, const ReadOptions& options) {
  return ReadJsonl<ArcItem>(path, options, &ParseArcRow);
}

absl::StatusOr<Rows<BoolqItem>> ReadBoolq(const std::string& path, const ReadOptions& options) {
  return ReadJsonl<BoolqItem>(path, options, &ParseBoolqRow);
}

absl::StatusOr<Rows<Gsm8kItem>> ReadGsm8k(const std::string& path, const ReadOptions& options) {
  return ReadJsonl<Gsm8kItem>(path, options, &ParseGsm8kRow);
}

std::string NormalizeGsm8kNumber(absl::string_view text) {
  std::string out;
  for (char c : absl::StripAsciiWhitespace(text)) {
    if (c != ',' && c != '$') out.push_back(c);
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

absl::StatusOr<SequenceSplit> SplitHeldOut(int n, double held_out_fraction, uint64_t seed) {
  if (n < 1) return Invalid("held-out split: there are no sequences to split");
  if (!(held_out_fraction > 0 && held_out_fraction <= 1)) {
    return Invalid(absl::StrCat("held_out_fraction: ", held_out_fraction,
                                " must be in (0, 1] (e.g. 0.1 holds out a tenth)"));
  }
  std::vector<int> order(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (int i = n - 1; i > 0; --i) {
    std::swap(order[i], order[UniformBelow(rng, static_cast<uint64_t>(i) + 1)]);
  }
  const int held = std::clamp(static_cast<int>(std::lround(held_out_fraction * n)), 1, n);
  SequenceSplit split;
  split.held_out.assign(order.begin(), order.begin() + held);
  split.calibration.assign(order.begin() + held, order.end());
  std::sort(split.held_out.begin(), split.held_out.end());
  std::sort(split.calibration.begin(), split.calibration.end());
  return split;
}

}  // namespace depthlab::tasks
