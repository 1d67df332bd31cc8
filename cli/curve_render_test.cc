#include "cli/curve_render.h"

#include "gtest/gtest.h"

namespace depthlab::cli {
namespace {

v1::CurvePoint* AddPoint(google::protobuf::RepeatedPtrField<v1::CurvePoint>* points,
                         v1::TaskKind task, v1::Metric metric, int k, double accuracy,
                         const std::vector<std::string>& removed,
                         const std::string& recovery = "none") {
  v1::CurvePoint* point = points->Add();
  point->set_sweep_id("s1");
  point->set_model("/models/tiny");
  point->set_granularity(v1::GRANULARITY_BLOCK);
  point->set_task(task);
  point->set_metric(metric);
  point->set_units_removed(k);
  point->set_accuracy(accuracy);
  point->set_recovery(recovery);
  for (const std::string& unit : removed) point->add_removed_units(unit);
  return point;
}

TEST(CurveRenderTest, OneTablePerTaskWithTheUnitRemovedAtEachK) {
  v1::GetCurvesResponse response;
  auto* points = response.mutable_points();
  // Out of order on purpose: columns follow the metric order, rows k.
  AddPoint(points, v1::TASK_KIND_PERPLEXITY, v1::METRIC_COSINE, 2, 105.25, {"block:5", "block:3"});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_LOSS_SHAPLEY, 0, 0.5, {});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_LOSS_SHAPLEY, 1, 0.49, {"block:6"});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_LOSS_SHAPLEY, 2, 0.47, {"block:6", "block:5"});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_COSINE, 2, 0.41, {"block:5", "block:3"});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_COSINE, 1, 0.48, {"block:5"});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_COSINE, 0, 0.5, {});
  AddPoint(points, v1::TASK_KIND_ARC, v1::METRIC_COSINE, 1, 0.495, {"block:5"}, "emulated_update");
  AddPoint(points, v1::TASK_KIND_PERPLEXITY, v1::METRIC_COSINE, 0, 12.5, {});
  AddPoint(points, v1::TASK_KIND_PERPLEXITY, v1::METRIC_COSINE, 1, 13.5, {"block:5"});
  EXPECT_EQ(RenderCurves(response),
            "arc: accuracy with k units removed; cell: value (unit removed at k)\n"
            "k  cosine           cosine/emulated_update  loss_shapley\n"
            "0  0.500                                    0.500\n"
            "1  0.480 (block:5)  0.495 (block:5)         0.490 (block:6)\n"
            "2  0.410 (block:3)                          0.470 (block:5)\n"
            "\n"
            "perplexity: exp(mean NLL) with k units removed (lower is better); cell: value (unit "
            "removed at k)\n"
            "k  cosine\n"
            "0   12.50\n"
            "1   13.50 (block:5)\n"
            "2  105.25 (block:3)\n");
}

TEST(CurveRenderTest, ComparisonColumnsAreModelAndMetric) {
  v1::CompareSweepsResponse response;
  auto* points = response.mutable_points();
  AddPoint(points, v1::TASK_KIND_MMLU, v1::METRIC_COSINE, 0, 0.45, {});
  AddPoint(points, v1::TASK_KIND_MMLU, v1::METRIC_COSINE, 1, 0.44, {"block:5"});
  for (int k = 0; k < 3; ++k) {
    v1::CurvePoint* p =
        AddPoint(points, v1::TASK_KIND_MMLU, v1::METRIC_LOSS_SHAPLEY, k, 0.46 - 0.01 * k, {});
    p->set_sweep_id("s2");
    p->set_model("/models/llama-2-7b/");
  }
  EXPECT_EQ(RenderComparison(response),
            "mmlu: accuracy with k units removed\n"
            "k  tiny/cosine  llama-2-7b/loss_shapley\n"
            "0  0.450        0.460\n"
            "1  0.440        0.450\n"
            "2               0.440\n");
}

TEST(CurveRenderTest, ComparisonTellsApartSweepsThatWouldReadTheSame) {
  v1::CompareSweepsResponse response;
  auto* points = response.mutable_points();
  AddPoint(points, v1::TASK_KIND_BOOLQ, v1::METRIC_COSINE, 0, 0.6, {});
  AddPoint(points, v1::TASK_KIND_BOOLQ, v1::METRIC_COSINE, 0, 0.7, {})->set_sweep_id("s9");
  v1::CurvePoint* mlp = AddPoint(points, v1::TASK_KIND_BOOLQ, v1::METRIC_COSINE, 0, 0.8, {});
  mlp->set_sweep_id("s3");
  mlp->set_granularity(v1::GRANULARITY_MLP);
  EXPECT_EQ(RenderComparison(response),
            "boolq: accuracy with k units removed\n"
            "k  tiny/cosine/block [s1]  tiny/cosine/block [s9]  tiny/cosine/mlp\n"
            "0  0.600                   0.700                   0.800\n");
}

}  // namespace
}  // namespace depthlab::cli
