#include "cli/sweep_render.h"

#include "gtest/gtest.h"

namespace depthlab::cli {
namespace {

v1::Sweep MakeSweep(const std::string& id, const std::string& name, v1::SweepState state, int done,
                    int total, const std::string& model, int64_t created) {
  v1::Sweep sweep;
  sweep.set_id(id);
  sweep.mutable_spec()->set_name(name);
  sweep.mutable_spec()->set_model(model);
  sweep.set_state(state);
  sweep.set_jobs_done(done);
  sweep.set_jobs_total(total);
  sweep.set_created_unix_micros(created);
  return sweep;
}

void AddEntry(v1::GetInfluenceResponse& response, v1::Metric metric, const std::string& unit,
              double value, double stderr_value, int rank, int lo, int hi, int evaluations) {
  v1::InfluenceEntry* entry = response.add_entries();
  entry->set_metric(metric);
  entry->set_unit(unit);
  entry->set_value(value);
  entry->set_stderr(stderr_value);
  entry->set_rank(rank);
  entry->set_rank_lo(lo);
  entry->set_rank_hi(hi);
  entry->set_evaluations(evaluations);
}

TEST(SweepRenderTest, ListIsATable) {
  const std::vector<v1::Sweep> sweeps = {
      MakeSweep("a1b2", "tiny-block-sweep", v1::SWEEP_STATE_SUCCEEDED, 40, 40, "/m/tiny",
                1714564803000000),
      MakeSweep("c3", "", v1::SWEEP_STATE_RUNNING, 3, 17, "/m/llama", 0),
  };
  EXPECT_EQ(RenderSweepList(sweeps),
            "ID    NAME              STATE       JOBS  MODEL     CREATED (UTC)\n"
            "a1b2  tiny-block-sweep  succeeded  40/40  /m/tiny   2024-05-01 12:00\n"
            "c3                      running     3/17  /m/llama\n");
}

TEST(SweepRenderTest, HeaderNamesModelGranularityMetricsAndTasks) {
  v1::Sweep sweep = MakeSweep("a1", "tiny", v1::SWEEP_STATE_FAILED, 3, 40, "/m/tiny", 0);
  v1::SweepSpec& spec = *sweep.mutable_spec();
  spec.set_granularity(v1::GRANULARITY_SUBLAYER);
  spec.add_metrics(v1::METRIC_COSINE);
  spec.add_metrics(v1::METRIC_LOSS_SHAPLEY);
  spec.mutable_shapley()->set_estimator(v1::ESTIMATOR_PERMUTATION);
  spec.add_tasks()->set_kind(v1::TASK_KIND_ARC);
  spec.add_tasks()->set_kind(v1::TASK_KIND_PERPLEXITY);
  sweep.set_error("model: no config.json in /m/tiny");
  EXPECT_EQ(RenderSweepHeader(sweep),
            "sweep a1 (tiny): failed, 3/40 jobs\n"
            "model /m/tiny, granularity sublayer, metrics cosine, loss_shapley (permutation), "
            "tasks arc, perplexity\n"
            "error: model: no config.json in /m/tiny\n");
}

TEST(SweepRenderTest, InfluenceTablePerMetricByRank) {
  v1::GetInfluenceResponse response;
  AddEntry(response, v1::METRIC_LOSS_SHAPLEY, "block:1", -0.0042, 0.0011, 3, 2, 3, 40);
  AddEntry(response, v1::METRIC_COSINE, "block:0", 0.5, 0, 1, 0, 0, 0);
  AddEntry(response, v1::METRIC_COSINE, "block:1", 0.0123456, 0, 3, 0, 0, 0);
  AddEntry(response, v1::METRIC_COSINE, "block:2", 0.25, 0, 2, 0, 0, 0);
  AddEntry(response, v1::METRIC_LOSS_SHAPLEY, "block:0", 1.25, 0.031, 1, 1, 1, 40);
  AddEntry(response, v1::METRIC_LOSS_SHAPLEY, "block:2", 0.003, 0.002, 2, 2, 3, 40);
  EXPECT_EQ(RenderInfluence(response),
            "influence: cosine (3 units; rank 1 = most influential, removed last)\n"
            "RANK  UNIT     INFLUENCE\n"
            "   1  block:0  0.5\n"
            "   2  block:2  0.25\n"
            "   3  block:1  0.01235\n"
            "\n"
            "influence: loss_shapley (3 units; rank 1 = most influential, removed last)\n"
            "RANK  UNIT     INFLUENCE         RANK INTERVAL  EVALUATIONS\n"
            "   1  block:0  1.25 ± 0.031             [1, 1]           40\n"
            "   2  block:2  0.003 ± 0.002            [2, 3]           40\n"
            "   3  block:1  -0.0042 ± 0.0011         [2, 3]           40\n");
}

TEST(SweepRenderTest, FormatInfluence) {
  EXPECT_EQ(FormatInfluence(0.123456, 0), "0.1235");
  EXPECT_EQ(FormatInfluence(-2.5, 0.25), "-2.5 ± 0.25");
  EXPECT_EQ(FormatInfluence(0.00012346, 0.0000123), "0.0001235 ± 1.2e-05");
}

}  // namespace
}  // namespace depthlab::cli
