#include "data/generator/benchmark.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "data/generator/world.h"
#include "data/generator/writers.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace depthlab::datagen {
namespace {

using Json = nlohmann::json;

// The committed data set is generated with seed 1 and the default options.
class BenchmarkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    GeneratorOptions options;
    options.seed = 1;
    absl::StatusOr<Benchmark> b = GenerateBenchmark(options);
    ASSERT_TRUE(b.ok()) << b.status();
    benchmark_ = new Benchmark(*std::move(b));
    files_ = new std::map<std::string, std::string>(RenderFiles(*benchmark_));
    world_ = new World(BuildWorld(1));
  }
  static void TearDownTestSuite() {
    delete benchmark_;
    delete files_;
    delete world_;
  }

  static std::vector<Json> JsonLines(const std::string& path) {
    std::vector<Json> lines;
    std::istringstream in(files_->at(path));
    for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
    return lines;
  }

  static Benchmark* benchmark_;
  static std::map<std::string, std::string>* files_;
  static World* world_;
};

Benchmark* BenchmarkTest::benchmark_ = nullptr;
std::map<std::string, std::string>* BenchmarkTest::files_ = nullptr;
World* BenchmarkTest::world_ = nullptr;

std::map<std::string, std::string> Render(uint64_t seed) {
  GeneratorOptions options;
  options.seed = seed;
  absl::StatusOr<Benchmark> b = GenerateBenchmark(options);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? RenderFiles(*b) : std::map<std::string, std::string>{};
}

TEST(DeterminismTest, SameSeedGivesByteIdenticalFilesAndAnotherSeedDifferentOnes) {
  const auto a = Render(7), b = Render(7), c = Render(8);
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b);
  ASSERT_EQ(a.size(), c.size());
  for (const auto& [path, contents] : a) {
    if (absl::StrContains(path, "/dev/") || absl::StrContains(path, "/val/")) {
      continue;  // five-row files could coincide only by chance; test files cannot
    }
    EXPECT_NE(contents, c.at(path)) << path;
  }
}

TEST(OptionsTest, NegativeSizesAreInvalidArguments) {
  GeneratorOptions options;
  options.arc.test = -1;
  EXPECT_EQ(GenerateBenchmark(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BenchmarkTest, WritesTheRealLayouts) {
  for (const Subject& s : world_->subjects) {
    for (const char* split : {"dev", "val", "test"}) {
      EXPECT_EQ(files_->count("mmlu/" + std::string(split) + "/" + s.name + "_" + split + ".csv"),
                1u);
    }
  }
  for (const char* task : {"arc", "boolq", "gsm8k", "calibration"}) {
    EXPECT_EQ(files_->count(std::string(task) + "/train.jsonl"), 1u) << task;
    EXPECT_EQ(files_->count(std::string(task) + "/test.jsonl"), 1u) << task;
  }
  EXPECT_EQ(files_->count("train/corpus.jsonl"), 1u);
  EXPECT_EQ(files_->count("train/warmup.jsonl"), 1u);
}

TEST_F(BenchmarkTest, SizesFitTheRepositoryAndTheTrainingBudget) {
  size_t total = 0;
  for (const auto& [path, contents] : *files_) total += contents.size();
  EXPECT_LT(total, 17u << 20);  // 15.8 MB at seed 1
  size_t corpus_text = 0;
  for (const std::string& doc : benchmark_->corpus) corpus_text += doc.size();
  EXPECT_GT(corpus_text, 2u << 20);
  EXPECT_LT(corpus_text, 10u << 20);  // 8.9 MB at seed 1: about 3M tokens, 2 passes in 1600 steps
}

// Every question text the world can produce -> the answers that are right for it and the value
// set its choices come from.
struct Truth {
  std::set<std::string> right;
  std::set<std::string> choices;
};

std::map<std::string, Truth> AllQuestions(const World& world) {
  std::map<std::string, Truth> truth;
  for (const Subject& s : world.subjects) {
    const std::set<std::string> entities(s.entities.begin(), s.entities.end());
    for (const Relation& r : s.relations) {
      const std::set<std::string> values(r.values.begin(), r.values.end());
      for (size_t e = 0; e < s.entities.size(); ++e) {
        for (const std::string& t : r.forward_questions) {
          Truth& q = truth[FillFact(t, s.entities[e], r.ValueOf(static_cast<int>(e)))];
          q.right.insert(r.ValueOf(static_cast<int>(e)));
          q.choices = values;
        }
        for (const std::string& t : r.reverse_questions) {
          Truth& q = truth[FillFact(t, "", r.ValueOf(static_cast<int>(e)))];
          q.right.insert(s.entities[e]);
          q.choices = entities;
        }
      }
    }
  }
  return truth;
}

TEST_F(BenchmarkTest, MmluAnswersAreTheWorldsFactsAndDistractorsAreWrong) {
  const std::map<std::string, Truth> truth = AllQuestions(*world_);
  for (const MmluSubjectItems& s : benchmark_->mmlu) {
    EXPECT_EQ(s.dev.size(), 5u);
    EXPECT_GE(s.test.size(), 45u) << s.subject;
    EXPECT_LE(s.test.size(), 100u) << s.subject;
    for (const auto* split : {&s.dev, &s.val, &s.test, &s.train}) {
      for (const MmluItem& item : *split) {
        const auto it = truth.find(item.question);
        ASSERT_NE(it, truth.end()) << item.question;
        EXPECT_EQ(std::set<std::string>(item.choices.begin(), item.choices.end()).size(), 4u);
        for (int c = 0; c < 4; ++c) {
          EXPECT_EQ(it->second.right.count(item.choices[c]) > 0, c == item.answer)
              << item.question << " / " << item.choices[c];
          EXPECT_EQ(it->second.choices.count(item.choices[c]), 1u) << item.choices[c];
        }
      }
    }
  }
}

TEST_F(BenchmarkTest, MmluTestLettersAreBalanced) {
  int letters[4] = {0, 0, 0, 0};
  int total = 0;
  for (const MmluSubjectItems& s : benchmark_->mmlu) {
    for (const MmluItem& item : s.test) {
      ++letters[item.answer];
      ++total;
    }
  }
  for (const int n : letters) EXPECT_NEAR(n, total / 4.0, 6.0);
}

TEST_F(BenchmarkTest, ArcLinesHaveTheRequiredFieldsAndAnswerKeyIsALabel) {
  int numeric = 0, letter = 0;
  for (const char* path : {"arc/train.jsonl", "arc/test.jsonl"}) {
    for (const Json& j : JsonLines(path)) {
      ASSERT_TRUE(j.at("id").is_string());
      ASSERT_TRUE(j.at("question").at("stem").is_string());
      const Json& choices = j.at("question").at("choices");
      ASSERT_TRUE(choices.is_array());
      ASSERT_GE(choices.size(), 3u);
      ASSERT_LE(choices.size(), 5u);
      std::set<std::string> labels;
      const char first = choices[0].at("label").get<std::string>()[0];
      for (size_t i = 0; i < choices.size(); ++i) {
        ASSERT_TRUE(choices[i].at("text").is_string());
        EXPECT_EQ(choices[i].at("label"), std::string(1, static_cast<char>(first + i)));
        labels.insert(choices[i].at("label").get<std::string>());
      }
      (first == '1' ? numeric : letter) += 1;
      EXPECT_EQ(labels.count(j.at("answerKey").get<std::string>()), 1u) << j.dump();
    }
  }
  EXPECT_GT(numeric, 0);
  EXPECT_GT(letter, numeric);
}

TEST_F(BenchmarkTest, BoolqLinesHaveTheRequiredFieldsAndAreBalanced) {
  for (const char* path : {"boolq/train.jsonl", "boolq/test.jsonl"}) {
    const std::vector<Json> lines = JsonLines(path);
    size_t yes = 0;
    for (const Json& j : lines) {
      ASSERT_TRUE(j.at("question").is_string());
      ASSERT_TRUE(j.at("title").is_string());
      ASSERT_TRUE(j.at("answer").is_boolean());
      ASSERT_TRUE(j.at("passage").is_string());
      const std::string passage = j.at("passage");
      const auto sentences = std::count(passage.begin(), passage.end(), '.');
      EXPECT_TRUE(sentences >= 2 && sentences <= 4) << passage;
      yes += j.at("answer").get<bool>() ? 1 : 0;
    }
    EXPECT_EQ(yes, lines.size() / 2) << path;
  }
}

// Every "a op b = c" in a worked answer is right, and "#### N" repeats the last result.
TEST_F(BenchmarkTest, Gsm8kAnswersEndWithTheComputedResult) {
  const std::regex step(R"((\d+) ([-+*/]) (\d+) = (\d+))");
  const std::regex final_line(R"(\n#### (\d+)$)");
  for (const char* path : {"gsm8k/train.jsonl", "gsm8k/test.jsonl"}) {
    for (const Json& j : JsonLines(path)) {
      ASSERT_TRUE(j.at("question").is_string());
      const std::string answer = j.at("answer");
      std::smatch end;
      ASSERT_TRUE(std::regex_search(answer, end, final_line)) << answer;
      int last = -1;
      for (auto it = std::sregex_iterator(answer.begin(), answer.end(), step);
           it != std::sregex_iterator(); ++it) {
        const int a = std::stoi((*it)[1]), b = std::stoi((*it)[3]), c = std::stoi((*it)[4]);
        const char op = (*it)[2].str()[0];
        const int expected = op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b;
        EXPECT_EQ(c, expected) << answer;
        if (op == '/') {
          EXPECT_EQ(a % b, 0) << answer;
        }
        last = c;
      }
      EXPECT_EQ(std::stoi(end[1]), last) << answer;
      EXPECT_LT(last, 100);
    }
  }
}

TEST_F(BenchmarkTest, TextFilesHaveOneNonEmptyTextPerLine) {
  for (const char* path : {"calibration/train.jsonl", "calibration/test.jsonl",
                           "train/corpus.jsonl", "train/warmup.jsonl"}) {
    for (const Json& j : JsonLines(path)) {
      ASSERT_TRUE(j.at("text").is_string());
      EXPECT_FALSE(j.at("text").get<std::string>().empty());
    }
  }
}

// Substring search over a large text.
class Haystack {
 public:
  void Add(const std::string& text) { text_ += text + "\n\x1e\n"; }
  bool Contains(const std::string& needle) const {
    return std::search(text_.begin(), text_.end(),
                       std::boyer_moore_horspool_searcher(needle.begin(), needle.end())) !=
           text_.end();
  }

 private:
  std::string text_;
};

TEST_F(BenchmarkTest, NoTestItemAppearsInTheCorpusOrATrainingSplit) {
  const Benchmark& b = *benchmark_;
  Haystack train;
  for (const std::string& doc : b.corpus) train.Add(doc);
  for (const std::string& doc : b.warmup) train.Add(doc);
  for (const MmluSubjectItems& s : b.mmlu) {
    for (const auto* split : {&s.dev, &s.val, &s.train}) {
      for (const MmluItem& item : *split) train.Add(item.question);
    }
  }
  for (const ArcItem& item : b.arc.train) train.Add(item.stem);
  for (const BoolqItem& item : b.boolq.train) train.Add("Question: " + item.question + "?");
  for (const Gsm8kItem& item : b.gsm8k.train) train.Add(item.question);
  for (const std::string& doc : b.calibration.train) train.Add(doc);
  ASSERT_TRUE(train.Contains(b.mmlu[0].train[0].question));  // the search itself works

  for (const MmluSubjectItems& s : b.mmlu) {
    for (const MmluItem& item : s.test)
      EXPECT_FALSE(train.Contains(item.question)) << item.question;
  }
  for (const ArcItem& item : b.arc.test) EXPECT_FALSE(train.Contains(item.stem)) << item.stem;
  for (const BoolqItem& item : b.boolq.test) {
    EXPECT_FALSE(train.Contains("Question: " + item.question + "?")) << item.question;
    EXPECT_FALSE(train.Contains(item.passage)) << item.passage;
  }
  for (const Gsm8kItem& item : b.gsm8k.test) {
    EXPECT_FALSE(train.Contains(item.question)) << item.question;
  }
  for (const std::string& doc : b.calibration.test) EXPECT_FALSE(train.Contains(doc)) << doc;
}

// Test questions are answerable: the corpus states every fact in every statement template.
TEST_F(BenchmarkTest, TheCorpusStatesEveryFactInEveryTemplate) {
  Haystack corpus;
  for (const std::string& doc : benchmark_->corpus) corpus.Add(doc);
  for (const Subject& s : world_->subjects) {
    for (const Relation& r : s.relations) {
      for (size_t e = 0; e < s.entities.size(); ++e) {
        for (const std::string& t : r.statements) {
          const std::string sentence = FillFact(t, s.entities[e], r.ValueOf(static_cast<int>(e)));
          EXPECT_TRUE(corpus.Contains(sentence)) << sentence;
        }
      }
    }
  }
}

// Checks that each lookup drill is answered by its own text: a repeated list is the same list, a
// letter names the option that is the asked word, and "yes" exactly when the box holds it.
// Counts the documents that are drills (each holds exactly one), and the drills of each kind.
struct DrillCounts {
  int documents = 0;
  int again = 0, letter = 0, box = 0, box_yes = 0;
};

DrillCounts CheckLookupDrills(const std::vector<std::string>& docs) {
  const std::regex again(R"(Say these again: (.+)\.\nAgain: (.+)\.)");
  const std::regex letter(
      R"(Which of these is (.+)\?\nA\. (.+)\nB\. (.+)\nC\. (.+)\nD\. (.+)\nAnswer: ([ABCD]))");
  const std::regex box(
      R"(The box holds (.+)\.\nQuestion: does the box hold (.+)\?\nAnswer: (yes|no))");
  DrillCounts counts;
  for (const std::string& doc : docs) {
    if (!absl::StartsWith(doc, "Say these again: ") &&
        !absl::StartsWith(doc, "Which of these is ") && !absl::StartsWith(doc, "The box holds ")) {
      continue;
    }
    ++counts.documents;
    std::smatch m;
    if (std::regex_match(doc, m, again)) {
      ++counts.again;
      EXPECT_EQ(m[1].str(), m[2].str()) << doc;
    } else if (std::regex_match(doc, m, letter)) {
      ++counts.letter;
      const std::set<std::string> options = {m[2], m[3], m[4], m[5]};
      EXPECT_EQ(options.size(), 4u) << doc;
      EXPECT_EQ(m[2 + (m[6].str()[0] - 'A')].str(), m[1].str()) << doc;
    } else if (std::regex_match(doc, m, box)) {
      ++counts.box;
      const std::string list =
          ", " + std::regex_replace(m[1].str(), std::regex(" and "), ", ") + ", ";
      const bool holds = list.find(", " + m[2].str() + ", ") != std::string::npos;
      EXPECT_EQ(m[3].str() == "yes", holds) << doc;
      counts.box_yes += holds;
    } else {
      ADD_FAILURE() << "not one lookup drill: " << doc;
    }
  }
  return counts;
}

TEST_F(BenchmarkTest, LookupDrillsAreAnsweredByTheirOwnText) {
  const DrillCounts corpus = CheckLookupDrills(benchmark_->corpus);
  EXPECT_EQ(corpus.documents, 40000);
  // One drill per document: a fifth repeated lists, two fifths letters, two fifths boxes.
  EXPECT_NEAR(corpus.again, 8000, 400);
  EXPECT_NEAR(corpus.letter, 16000, 500);
  EXPECT_NEAR(corpus.box, 16000, 500);
  EXPECT_GT(corpus.box_yes, corpus.box * 2 / 5);
  EXPECT_LT(corpus.box_yes, corpus.box * 3 / 5);
}

// The warm-up corpus is box drills alone, none of them a task item.
TEST_F(BenchmarkTest, TheWarmupCorpusIsBoxDrills) {
  const DrillCounts warmup = CheckLookupDrills(benchmark_->warmup);
  EXPECT_EQ(benchmark_->warmup.size(), 24000u);
  EXPECT_EQ(warmup.documents, 24000);
  EXPECT_EQ(warmup.box, 24000);
  EXPECT_GT(warmup.box_yes, 11400);
  EXPECT_LT(warmup.box_yes, 12600);
}

// A warm-up with letter drills too: exactly the counts asked for, shuffled together.
TEST_F(BenchmarkTest, TheWarmupCorpusCanMixInLetterDrills) {
  CorpusOptions options;
  options.warmup_box_drills = 300;
  options.warmup_letter_drills = 200;
  const std::vector<std::string> docs = BuildWarmupCorpus(BuildWorld(1), options, 1);
  const DrillCounts counts = CheckLookupDrills(docs);
  EXPECT_EQ(counts.documents, 500);
  EXPECT_EQ(counts.box, 300);
  EXPECT_EQ(counts.letter, 200);
  EXPECT_EQ(counts.again, 0);
  int letters_in_first_half = 0;
  for (size_t i = 0; i < 250; ++i) letters_in_first_half += docs[i].rfind("Which of these", 0) == 0;
  EXPECT_GT(letters_in_first_half, 70);  // 100 expected when shuffled; 0 or 200 when not
  EXPECT_LT(letters_in_first_half, 130);
}

// data/ holds exactly what `depthlab-datagen --seed 1 --out data` writes.
TEST_F(BenchmarkTest, CommittedDataMatchesTheGenerator) {
  const std::filesystem::path data = std::filesystem::path(DEPTHLAB_SOURCE_DIR) / "data";
  if (!std::filesystem::exists(data / "manifest.json")) {
    GTEST_SKIP() << "no generated data under " << data;
  }
  for (const auto& [path, contents] : *files_) {
    std::ifstream in(data / path, std::ios::binary);
    ASSERT_TRUE(in) << (data / path) << " is missing; run depthlab-datagen --seed 1 --out data";
    const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
    EXPECT_TRUE(on_disk == contents)
        << (data / path) << " differs; run depthlab-datagen --seed 1 --out data";
  }
}

}  // namespace
}  // namespace depthlab::datagen
