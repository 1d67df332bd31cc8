// The benchmark readers on well-formed files in the real layouts, on malformed rows (errors name
// file:line) and under skip_bad_rows (bad rows counted, good rows kept); the held-out split.
#include "common/tasks/task_data.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace depthlab::tasks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class MmluReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_.Sub("dev/b_subject_dev.csv"), "d1,a,b,c,d,A\nd2,a,b,c,d,B\n");
    Write(dir_.Sub("dev/a_subject_dev.csv"), "shot,w,x,y,z,D\n");
    Write(dir_.Sub("test/b_subject_test.csv"),
          "\"q, with comma\",1,2,\"3\n4\",5,C\nq2,1,2,3,4,D\n");
    Write(dir_.Sub("test/a_subject_test.csv"), "only,1,2,3,4, A \n");
  }
  ::depthlab::testing::TempDir dir_;
};

TEST_F(MmluReaderTest, ReadsEverySubjectSortedWithShotsAnswersAndLines) {
  auto data = ReadMmlu(dir_.path(), {});
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->subjects.size(), 2u);
  EXPECT_EQ(data->subjects[0].name, "a_subject");
  EXPECT_EQ(data->subjects[0].questions[0].answer, 0);  // " A " is trimmed
  EXPECT_EQ(data->subjects[0].shots[0].answer, 3);
  const MmluSubject& b = data->subjects[1];
  ASSERT_EQ(b.questions.size(), 2u);
  EXPECT_EQ(b.questions[0].question, "q, with comma");
  EXPECT_THAT(b.questions[0].choices, ElementsAre("1", "2", "3\n4", "5"));
  EXPECT_EQ(b.questions[0].answer, 2);
  EXPECT_EQ(b.questions[1].line, 3);
  EXPECT_EQ(b.shots.size(), 2u);
  EXPECT_EQ(data->skipped_rows, 0);
}

TEST_F(MmluReaderTest, ValSplitAndSubjectFilter) {
  Write(dir_.Sub("val/a_subject_val.csv"), "v,1,2,3,4,B\n");
  MmluReadOptions options;
  options.split = "val";
  auto data = ReadMmlu(dir_.path(), options);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->subjects.size(), 1u);
  EXPECT_EQ(data->subjects[0].questions[0].question, "v");
  options.split = "test";
  options.subjects = {"b_subject"};
  data = ReadMmlu(dir_.path(), options);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->subjects.size(), 1u);
  EXPECT_EQ(data->subjects[0].name, "b_subject");
}

TEST_F(MmluReaderTest, BadRowsNameFileAndLineOrAreSkippedAndCounted) {
  Write(dir_.Sub("test/a_subject_test.csv"),
        "ok,1,2,3,4,A\nbad,1,2,3,4,E\nshort,1,2\nok2,1,2,3,4,B\n");
  auto data = ReadMmlu(dir_.path(), {});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(data.status().message(),
              HasSubstr("test/a_subject_test.csv:2: answer \"E\" is not one of A, B, C, D"));
  MmluReadOptions skip;
  skip.skip_bad_rows = true;
  data = ReadMmlu(dir_.path(), skip);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->skipped_rows, 2);
  ASSERT_EQ(data->subjects[0].questions.size(), 2u);
  EXPECT_EQ(data->subjects[0].questions[1].line, 4);
}

TEST_F(MmluReaderTest, WrongFieldCountAndMissingFilesAreNamed) {
  Write(dir_.Sub("test/a_subject_test.csv"), "ok,1,2,3,4,A\nshort,1,2\n");
  auto data = ReadMmlu(dir_.path(), {});
  EXPECT_THAT(
      data.status().message(),
      HasSubstr("a_subject_test.csv:2: expected 6 fields (question,A,B,C,D,answer), got 3"));
  std::filesystem::remove(dir_.Sub("dev/b_subject_dev.csv"));
  Write(dir_.Sub("test/a_subject_test.csv"), "ok,1,2,3,4,A\n");
  data = ReadMmlu(dir_.path(), {});
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(data.status().message(), HasSubstr("dev/b_subject_dev.csv: missing"));
  MmluReadOptions no_shots;
  no_shots.read_shots = false;
  EXPECT_TRUE(ReadMmlu(dir_.path(), no_shots).ok());
  EXPECT_EQ(ReadMmlu(dir_.Sub("nowhere"), {}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MmluReaderTest, UnterminatedQuoteIsAnErrorEvenWhenSkippingRows) {
  Write(dir_.Sub("test/a_subject_test.csv"), "ok,1,2,3,4,A\n\"open,1,2,3,4,A\n");
  MmluReadOptions skip;
  skip.skip_bad_rows = true;
  auto data = ReadMmlu(dir_.path(), skip);
  EXPECT_THAT(data.status().message(), HasSubstr("a_subject_test.csv:2: unterminated"));
}

constexpr char kArcRow[] =
    R"({"id": "Q1", "question": {"stem": "Which is hot?", "choices": [{"text": "ice", "label": "1"},)"
    R"( {"text": "fire", "label": "2"}, {"text": "snow", "label": "3"}]}, "answerKey": "2"})";

TEST(ArcReaderTest, ReadsNumericLabelsAndMapsTheAnswerKey) {
  ::depthlab::testing::TempDir dir;
  Write(dir.Sub("arc.jsonl"), std::string(kArcRow) + "\n\n" + kArcRow + "\r\n");
  auto rows = ReadArc(dir.Sub("arc.jsonl"), {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->items.size(), 2u);
  const ArcItem& item = rows->items[0];
  EXPECT_EQ(item.id, "Q1");
  EXPECT_EQ(item.stem, "Which is hot?");
  EXPECT_THAT(item.choices, ElementsAre("ice", "fire", "snow"));
  EXPECT_THAT(item.labels, ElementsAre("1", "2", "3"));
  EXPECT_EQ(item.answer, 1);
  EXPECT_EQ(rows->items[1].line, 3);
}

struct BadRow {
  std::string line;
  std::string error;
};

class ArcBadRowTest : public ::testing::TestWithParam<BadRow> {};

TEST_P(ArcBadRowTest, NamesFileAndLineOrIsSkippedAndCounted) {
  ::depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("test.jsonl");
  Write(path, std::string(kArcRow) + "\n" + GetParam().line + "\n" + kArcRow + "\n");
  auto rows = ReadArc(path, {});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rows.status().message(), path + ":2: " + GetParam().error);
  rows = ReadArc(path, {.skip_bad_rows = true});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->skipped_rows, 1);
  ASSERT_EQ(rows->items.size(), 2u);
  EXPECT_EQ(rows->items[1].line, 3);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ArcBadRowTest,
    ::testing::Values(
        BadRow{R"({"question": {"stem": "x", "choices": [)", "not valid JSON"},
        BadRow{R"(["a", "b"])", "not a JSON object"},
        BadRow{R"({"question": {"stem": "x", "choices": [{"text": "a", "label": "A"}]}})",
               "missing \"answerKey\""},
        BadRow{R"({"question": {"stem": 7, "choices": []}, "answerKey": "A"})",
               "\"stem\" must be a string"},
        BadRow{R"({"question": "flat", "answerKey": "A"})", "\"question\" must be an object"},
        BadRow{R"({"question": {"stem": "x", "choices": [{"text": "a", "label": "A"},)"
               R"( {"text": "b", "label": "B"}]}, "answerKey": "E"})",
               "answerKey \"E\" is not among the labels A, B"}));

TEST(BoolqReaderTest, ReadsRowsAndRejectsAStringAnswer) {
  ::depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("boolq.jsonl");
  Write(path, R"({"question": "is it", "title": "T", "answer": true, "passage": "It is."})"
              "\n"
              R"({"question": "is it", "answer": "false", "passage": "It is not."})"
              "\n");
  auto rows = ReadBoolq(path, {});
  EXPECT_EQ(rows.status().message(), path + ":2: \"answer\" must be true or false");
  rows = ReadBoolq(path, {.skip_bad_rows = true});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->items.size(), 1u);
  EXPECT_EQ(rows->skipped_rows, 1);
  EXPECT_EQ(rows->items[0].passage, "It is.");
  EXPECT_TRUE(rows->items[0].answer);
}

TEST(Gsm8kReaderTest, TargetIsTheNormalisedNumberAfterTheLastMarker) {
  ::depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("gsm8k.jsonl");
  Write(
      path,
      R"({"question": "q", "answer": "He pays 1,000 + 234 = <<1000+234=1234>>1234.\n#### $1,234"})"
      "\n"
      R"({"question": "q2", "answer": "no marker here"})"
      "\n");
  auto rows = ReadGsm8k(path, {.skip_bad_rows = true});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->items.size(), 1u);
  EXPECT_EQ(rows->items[0].target, "1234");
  EXPECT_EQ(rows->skipped_rows, 1);
  EXPECT_EQ(ReadGsm8k(path, {}).status().message(),
            path + ":2: \"answer\" does not end with \"#### N\"");
  EXPECT_EQ(ReadGsm8k(dir.Sub("none.jsonl"), {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(NormalizeGsm8kNumberTest, RemovesCommasDollarsAndOneTrailingPeriod) {
  EXPECT_EQ(NormalizeGsm8kNumber(" $1,234. "), "1234");
  EXPECT_EQ(NormalizeGsm8kNumber("-7"), "-7");
  EXPECT_EQ(NormalizeGsm8kNumber("3.50"), "3.50");
  EXPECT_EQ(NormalizeGsm8kNumber(""), "");
}

TEST(SplitHeldOutTest, DeterministicDisjointAndCoveringBySeed) {
  auto a = SplitHeldOut(20, 0.25, 7);
  auto b = SplitHeldOut(20, 0.25, 7);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->held_out, b->held_out);
  EXPECT_EQ(a->held_out.size(), 5u);
  EXPECT_EQ(a->calibration.size(), 15u);
  std::set<int> all(a->held_out.begin(), a->held_out.end());
  all.insert(a->calibration.begin(), a->calibration.end());
  EXPECT_EQ(all.size(), 20u);
  EXPECT_TRUE(std::is_sorted(a->held_out.begin(), a->held_out.end()));
  bool some_seed_differs = false;
  for (uint64_t seed = 8; seed < 12; ++seed) {
    some_seed_differs |= SplitHeldOut(20, 0.25, seed)->held_out != a->held_out;
  }
  EXPECT_TRUE(some_seed_differs);
  EXPECT_EQ(SplitHeldOut(3, 0.01, 1)->held_out.size(), 1u);  // at least one held out
  EXPECT_EQ(SplitHeldOut(3, 1.0, 1)->calibration.size(), 0u);
  EXPECT_EQ(SplitHeldOut(3, 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitHeldOut(0, 0.5, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace depthlab::tasks
