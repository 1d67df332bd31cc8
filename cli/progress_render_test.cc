#include "cli/progress_render.h"

#include "gtest/gtest.h"

namespace depthlab::cli {
namespace {

void AddStage(v1::Sweep* sweep, const std::string& kind, const std::string& state, int done,
              int total) {
  v1::StageProgress* stage = sweep->add_stages();
  stage->set_kind(kind);
  stage->set_state(state);
  stage->set_jobs_done(done);
  stage->set_jobs_total(total);
}

v1::SweepEvent RunningEvent() {
  v1::SweepEvent event;
  v1::Sweep* sweep = event.mutable_sweep();
  sweep->set_id("s1");
  sweep->mutable_spec()->set_name("tiny");
  sweep->set_state(v1::SWEEP_STATE_RUNNING);
  sweep->set_jobs_done(16);
  sweep->set_jobs_total(40);
  sweep->set_evaluations_cached(3);
  sweep->set_updated_unix_micros(1714564803000000);  // 2024-05-01 12:00:03 UTC
  AddStage(sweep, "profile", "SUCCEEDED", 12, 12);
  AddStage(sweep, "shapley", "running", 4, 10);
  AddStage(sweep, "curve", "pending", 0, 18);
  event.set_message("stage shapley started");
  return event;
}

TEST(ProgressRenderTest, ProgressBarFillsInProportion) {
  EXPECT_EQ(ProgressBar(3, 10, 10), "[###-------]");
  EXPECT_EQ(ProgressBar(0, 0, 4), "[----]");
  EXPECT_EQ(ProgressBar(12, 10, 5), "[#####]");
  EXPECT_EQ(ProgressBar(1, 3, 4), "[#---]");
}

TEST(ProgressRenderTest, FrameHasTheSweepOneBarPerStageAndTheMessage) {
  const std::vector<std::string> expected = {
      "sweep s1 (tiny): running, 16/40 jobs (40%), 3 evaluations cached",
      "  profile  [##############################]  12/12  succeeded",
      "  shapley  [############------------------]   4/10  running",
      "  curve    [------------------------------]   0/18  pending",
      "  stage shapley started",
  };
  EXPECT_EQ(ProgressFrame(RunningEvent()), expected);
}

TEST(ProgressRenderTest, FrameOfAPendingSweepWithoutStages) {
  v1::SweepEvent event;
  event.mutable_sweep()->set_id("s2");
  event.mutable_sweep()->set_state(v1::SWEEP_STATE_PENDING);
  EXPECT_EQ(ProgressFrame(event), std::vector<std::string>{"sweep s2: pending, 0/0 jobs (0%)"});
}

TEST(ProgressRenderTest, RedrawMovesUpClearsAndCutsLines) {
  EXPECT_EQ(RedrawFrame(0, {"ab", "cd"}, 80), "ab\ncd\n");
  EXPECT_EQ(RedrawFrame(3, {"abcdef", "x"}, 4), "\x1b[3F\x1b[Jabc\nx\n");
  // Cut by characters, not bytes.
  EXPECT_EQ(RedrawFrame(0, {"±±±±"}, 3), "±±\n");
}

TEST(ProgressRenderTest, EventLineIsSelfContained) {
  EXPECT_EQ(EventLine(RunningEvent()),
            "2024-05-01T12:00:03Z sweep s1 (tiny): running, 16/40 jobs (40%), 3 evaluations "
            "cached | profile 12/12 succeeded, shapley 4/10 running, curve 0/18 pending | stage "
            "shapley started");
}

TEST(ProgressRenderTest, OutcomeLines) {
  v1::Sweep sweep;
  sweep.set_id("s1");
  sweep.set_jobs_done(40);
  sweep.set_jobs_total(40);
  sweep.set_evaluations_cached(3);
  sweep.set_state(v1::SWEEP_STATE_SUCCEEDED);
  EXPECT_EQ(OutcomeLine(sweep),
            "sweep s1 succeeded: 40/40 jobs, 3 evaluations from the cache (see `depthlab "
            "results s1`)");
  sweep.set_state(v1::SWEEP_STATE_FAILED);
  sweep.set_error("job 7 failed 3 times: worker w1: CUDA out of memory");
  EXPECT_EQ(OutcomeLine(sweep),
            "sweep s1 failed: job 7 failed 3 times: worker w1: CUDA out of memory");
  sweep.set_state(v1::SWEEP_STATE_CANCELLED);
  sweep.clear_error();
  EXPECT_EQ(OutcomeLine(sweep), "sweep s1 was cancelled");
  EXPECT_TRUE(IsTerminal(v1::SWEEP_STATE_CANCELLED));
  EXPECT_FALSE(IsTerminal(v1::SWEEP_STATE_RUNNING));
}

}  // namespace
}  // namespace depthlab::cli
