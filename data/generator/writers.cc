#include "data/generator/writers.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace depthlab::datagen {
namespace {

// Insertion-ordered, so keys keep the order of the real files.
using Json = nlohmann::ordered_json;

template <typename T, typename ToJson>
std::string Jsonl(const std::vector<T>& items, ToJson to_json) {
  std::string out;
  for (const T& item : items) absl::StrAppend(&out, to_json(item).dump(), "\n");
  return out;
}

Json SplitCounts(size_t train, size_t test) { return Json{{"train", train}, {"test", test}}; }

std::string Manifest(const Benchmark& b) {
  Json mmlu = Json::object();
  for (const MmluSubjectItems& s : b.mmlu) {
    mmlu[s.subject] = Json{{"dev", s.dev.size()},
                           {"val", s.val.size()},
                           {"test", s.test.size()},
                           {"train_in_corpus", s.train.size()}};
  }
  const Json manifest = {
      {"generator", "depthlab-datagen"},
      {"seed", b.seed},
      {"mmlu", mmlu},
      {"arc", SplitCounts(b.arc.train.size(), b.arc.test.size())},
      {"boolq", SplitCounts(b.boolq.train.size(), b.boolq.test.size())},
      {"gsm8k", SplitCounts(b.gsm8k.train.size(), b.gsm8k.test.size())},
      {"calibration", SplitCounts(b.calibration.train.size(), b.calibration.test.size())},
      {"corpus_documents", b.corpus.size()},
      {"warmup_documents", b.warmup.size()},
  };
  return manifest.dump(2) + "\n";
}

}  // namespace

std::string CsvField(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string{field};
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

std::string CsvRow(const std::vector<std::string>& fields) {
  return absl::StrCat(
      absl::StrJoin(fields, ",",
                    [](std::string* out, const std::string& f) { out->append(CsvField(f)); }),
      "\n");
}

std::string MmluCsv(const std::vector<MmluItem>& items) {
  std::string out;
  for (const MmluItem& item : items) {
    out += CsvRow({item.question, item.choices[0], item.choices[1], item.choices[2],
                   item.choices[3], std::string(1, item.AnswerLetter())});
  }
  return out;
}

std::string ArcJsonl(const std::vector<ArcItem>& items) {
  return Jsonl(items, [](const ArcItem& item) {
    Json choices = Json::array();
    for (const ArcChoice& c : item.choices)
      choices.push_back({{"text", c.text}, {"label", c.label}});
    return Json{{"id", item.id},
                {"question", {{"stem", item.stem}, {"choices", choices}}},
                {"answerKey", item.answer_key}};
  });
}

std::string BoolqJsonl(const std::vector<BoolqItem>& items) {
  return Jsonl(items, [](const BoolqItem& item) {
    return Json{{"question", item.question},
                {"title", item.title},
                {"answer", item.answer},
                {"passage", item.passage}};
  });
}

std::string Gsm8kJsonl(const std::vector<Gsm8kItem>& items) {
  return Jsonl(items, [](const Gsm8kItem& item) {
    return Json{{"question", item.question}, {"answer", item.answer}};
  });
}

std::string TextJsonl(const std::vector<std::string>& texts) {
  return Jsonl(texts, [](const std::string& text) { return Json{{"text", text}}; });
}

std::map<std::string, std::string> RenderFiles(const Benchmark& b) {
  std::map<std::string, std::string> files;
  for (const MmluSubjectItems& s : b.mmlu) {
    files[absl::StrCat("mmlu/dev/", s.subject, "_dev.csv")] = MmluCsv(s.dev);
    files[absl::StrCat("mmlu/val/", s.subject, "_val.csv")] = MmluCsv(s.val);
    files[absl::StrCat("mmlu/test/", s.subject, "_test.csv")] = MmluCsv(s.test);
  }
  files["arc/train.jsonl"] = ArcJsonl(b.arc.train);
  files["arc/test.jsonl"] = ArcJsonl(b.arc.test);
  files["boolq/train.jsonl"] = BoolqJsonl(b.boolq.train);
  files["boolq/test.jsonl"] = BoolqJsonl(b.boolq.test);
  files["gsm8k/train.jsonl"] = Gsm8kJsonl(b.gsm8k.train);
  files["gsm8k/test.jsonl"] = Gsm8kJsonl(b.gsm8k.test);
  files["calibration/train.jsonl"] = TextJsonl(b.calibration.train);
  files["calibration/test.jsonl"] = TextJsonl(b.calibration.test);
  files["train/corpus.jsonl"] = TextJsonl(b.corpus);
  files["train/warmup.jsonl"] = TextJsonl(b.warmup);
  files["manifest.json"] = Manifest(b);
  return files;
}

absl::Status WriteFiles(const std::map<std::string, std::string>& files, const std::string& dir) {
  for (const auto& [relative, contents] : files) {
    const std::filesystem::path path = std::filesystem::path(dir) / relative;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(path.parent_path().string(),
                                                        ": cannot create directory (", ec.message(),
                                                        "); pass a writable --out"));
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) {
      return absl::FailedPreconditionError(absl::StrCat(
          path.string(), ": cannot write (", std::strerror(errno), "); pass a writable --out"));
    }
  }
  return absl::OkStatus();
}

}  // namespace depthlab::datagen
