#include "common/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab {
namespace {

using ::testing::ElementsAre;

FlagSet Compare() {
  FlagSet flags("compare", "compare --task T [SWEEP_ID...]", "Compares curves.");
  flags.Positionals("SWEEP_ID", 0, -1);
  flags.String("task", "T", "", "the task");
  flags.String("limit", "N", "50", "at most N");
  flags.List("metric", "M", "metrics");
  flags.Bool("json", "print JSON");
  return flags;
}

TEST(FlagsTest, ParsesValuesListsBoolsAndPositionalsInAnyOrder) {
  FlagSet flags = Compare();
  ASSERT_TRUE(flags
                  .Parse({"s1", "--task", "mmlu", "--metric", "cosine,loss_shapley", "s2", "--json",
                          "--metric=relative_l1", "--limit=7"})
                  .ok());
  EXPECT_EQ(flags.Get("task"), "mmlu");
  EXPECT_TRUE(flags.IsSet("task"));
  EXPECT_TRUE(flags.IsSet("json"));
  EXPECT_EQ(*flags.GetInt("limit", 0), 7);
  EXPECT_THAT(flags.GetList("metric"), ElementsAre("cosine", "loss_shapley", "relative_l1"));
  EXPECT_THAT(flags.positionals(), ElementsAre("s1", "s2"));
}

TEST(FlagsTest, DefaultsAndUnsetFlags) {
  FlagSet flags = Compare();
  ASSERT_TRUE(flags.Parse({}).ok());
  EXPECT_FALSE(flags.IsSet("task"));
  EXPECT_FALSE(flags.IsSet("json"));
  EXPECT_EQ(*flags.GetInt("limit", 0), 50);
  EXPECT_TRUE(flags.GetList("metric").empty());
}

TEST(FlagsTest, DoubleDashEndsFlags) {
  FlagSet flags = Compare();
  ASSERT_TRUE(flags.Parse({"--", "--json"}).ok());
  EXPECT_FALSE(flags.IsSet("json"));
  EXPECT_THAT(flags.positionals(), ElementsAre("--json"));
}

TEST(FlagsTest, ErrorsNameTheFlagOrArgument) {
  FlagSet a = Compare();
  EXPECT_EQ(a.Parse({"--tsak", "x"}).message(),
            "unknown flag --tsak (see depthlab compare --help)");
  FlagSet b = Compare();
  EXPECT_EQ(b.Parse({"--task"}).message(), "--task needs a value (T; see depthlab compare --help)");
  FlagSet c = Compare();
  ASSERT_TRUE(c.Parse({"--limit", "-1"}).ok());
  EXPECT_EQ(c.GetInt("limit", 0).status().message(), "--limit: '-1' is not an integer >= 0");

  FlagSet cancel("cancel", "cancel SWEEP_ID", "Cancels.");
  cancel.Positionals("SWEEP_ID", 1, 1);
  EXPECT_EQ(cancel.Parse({}).message(), "missing SWEEP_ID (usage: depthlab cancel SWEEP_ID)");
  FlagSet two("cancel", "cancel SWEEP_ID", "Cancels.");
  two.Positionals("SWEEP_ID", 1, 1);
  EXPECT_EQ(two.Parse({"a", "b"}).message(),
            "unexpected argument 'b' (usage: depthlab cancel SWEEP_ID)");
}

TEST(FlagsTest, HelpWinsOverErrors) {
  FlagSet flags("cancel", "cancel SWEEP_ID", "Cancels.");
  flags.Positionals("SWEEP_ID", 1, 1);
  EXPECT_TRUE(flags.Parse({"--help"}).ok());
  EXPECT_TRUE(flags.help_requested());
}

TEST(FlagsTest, HelpListsFlagsWithDefaultsAndExamples) {
  FlagSet flags = Compare();
  flags.Examples("  depthlab compare --task mmlu\n");
  EXPECT_EQ(flags.Help(),
            "usage: depthlab compare --task T [SWEEP_ID...]\n"
            "\n"
            "Compares curves.\n"
            "\n"
            "flags:\n"
            "  --task T    the task\n"
            "  --limit N   at most N (default 50)\n"
            "  --metric M  metrics\n"
            "  --json      print JSON\n"
            "\n"
            "examples:\n"
            "  depthlab compare --task mmlu\n");
}

// Another program's flags, as depthlab-worker and depthlab-coordinator declare theirs: a value
// flag without a value name shows VALUE, Required names the command, and a program without
// subcommands (command "") is named alone.
TEST(FlagsTest, OtherProgramsNameThemselves) {
  FlagSet train("train", "train [flags]", "Trains.", "depthlab-worker");
  train.String("corpus", "", "training documents (required)");
  train.String("steps", "2000", "optimizer steps");
  ASSERT_TRUE(train.Parse({"--steps", "5"}).ok());
  EXPECT_EQ(train.Required("corpus").status().message(),
            "depthlab-worker train: --corpus is required");
  EXPECT_EQ(*train.Required("steps"), "5");
  EXPECT_EQ(train.Help(),
            "usage: depthlab-worker train [flags]\n"
            "\n"
            "Trains.\n"
            "\n"
            "flags:\n"
            "  --corpus VALUE  training documents (required)\n"
            "  --steps VALUE   optimizer steps (default 2000)\n");
  FlagSet stray("train", "train [flags]", "Trains.", "depthlab-worker");
  EXPECT_EQ(stray.Parse({"corpus.jsonl"}).message(),
            "unexpected argument 'corpus.jsonl' (usage: depthlab-worker train [flags])");

  FlagSet coordinator("", "[flags]", "Coordinates.", "depthlab-coordinator");
  coordinator.String("db", "PATH", "depthlab.db", "SQLite database");
  EXPECT_EQ(coordinator.Parse({"--bd", "x"}).message(),
            "unknown flag --bd (see depthlab-coordinator --help)");
}

}  // namespace
}  // namespace depthlab
