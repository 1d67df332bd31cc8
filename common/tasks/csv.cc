#include "common/tasks/csv.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::tasks {
namespace {

// A single pass over the text; `line_` counts line breaks (LF, CRLF or a lone CR) consumed so far.
// Not thread-safe; lives for one ParseCsv call.
class CsvParser {
 public:
  CsvParser(absl::string_view text, absl::string_view name) : text_(text), name_(name) {}

  absl::StatusOr<std::vector<CsvRecord>> Parse() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    std::vector<CsvRecord> records;
    while (pos_ < text_.size()) {
      if (AtLineEnd()) {  // a blank line
        ConsumeLineEnd();
        continue;
      }
      CsvRecord record;
      record.line = line_;
      DEPTHLAB_RETURN_IF_ERROR(ParseRecord(&record));
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  bool AtLineEnd() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }

  void ConsumeLineEnd() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  // Fields up to and including the record's line break (or the end of the text).
  absl::Status ParseRecord(CsvRecord* record) {
    while (true) {
      std::string field;
      DEPTHLAB_RETURN_IF_ERROR(ParseField(&field));
      record->fields.push_back(std::move(field));
      if (pos_ == text_.size()) return absl::OkStatus();
      if (AtLineEnd()) {
        ConsumeLineEnd();
        return absl::OkStatus();
      }
      ++pos_;  // the ',' that ParseField stopped at
    }
  }

  // One field; stops at its separator (',', a line break or the end), which it does not consume.
  absl::Status ParseField(std::string* field) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      DEPTHLAB_RETURN_IF_ERROR(ParseQuoted(field));
      if (pos_ < text_.size() && text_[pos_] != ',' && !AtLineEnd()) {
        return Error(line_,
                     "unexpected text after a closing quote (a quote inside a quoted "
                     "field must be doubled: \"\")");
      }
      return absl::OkStatus();
    }
    const size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && !AtLineEnd()) ++pos_;
    field->assign(text_.data() + begin, pos_ - begin);
    return absl::OkStatus();
  }

  // A quoted field starting at the opening quote; leaves pos_ after the closing quote.
  absl::Status ParseQuoted(std::string* field) {
    const int opened = line_;
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field->push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        return absl::OkStatus();
      }
      const bool lone_cr = c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] != '\n');
      if (c == '\n' || lone_cr) ++line_;
      field->push_back(c);
      ++pos_;
    }
    return Error(opened, "unterminated quoted field (the quote opened here is never closed)");
  }

  absl::Status Error(int line, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(name_, ":", line, ": ", what));
  }

  absl::string_view text_;
  absl::string_view name_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text, absl::string_view name) {
  return CsvParser(text, name).Parse();
}

absl::StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseCsv(buffer.str(), path);
}

}  // namespace depthlab::tasks
