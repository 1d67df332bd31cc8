#include "worker/curve_command.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "worker/command_line.h"
#include "worker/engine/engine.h"
#include "worker/engine/tasks/suite.h"

namespace depthlab::worker {
namespace {

using engine::Granularity;
using engine::InfluenceStatistics;
using engine::UnitMask;
using nlohmann::json;

struct Ranked {
  std::string name;  // "block:3", "attn:5", ...
  double cosine = 0;
};

// Units of the granularity with their cosine influence, lowest (pruned first) first.
std::vector<Ranked> RankByCosine(const InfluenceStatistics& s, Granularity g) {
  std::vector<Ranked> units;
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    if (g == Granularity::kBlock)
      units.push_back({absl::StrCat("block:", i), s.blocks[i].cosine()});
    if (g == Granularity::kAttention || g == Granularity::kSublayer) {
      units.push_back({absl::StrCat("attn:", i), s.sublayers[2 * i].cosine()});
    }
    if (g == Granularity::kMlp || g == Granularity::kSublayer) {
      units.push_back({absl::StrCat("mlp:", i), s.sublayers[2 * i + 1].cosine()});
    }
  }
  std::stable_sort(units.begin(), units.end(),
                   [](const Ranked& a, const Ranked& b) { return a.cosine < b.cosine; });
  return units;
}

json RowJson(int k, const std::string& removed, const engine::tasks::SuiteResult& r) {
  return {{"k", k},
          {"removed", removed},
          {"mmlu", r.mmlu.pooled.accuracy},
          {"arc", r.arc.acc.accuracy},
          {"arc_norm", r.arc.acc_norm.accuracy},
          {"boolq", r.boolq.acc.accuracy},
          {"gsm8k_strict", r.gsm8k.strict.accuracy},
          {"gsm8k_flexible", r.gsm8k.flexible.accuracy},
          {"perplexity", r.perplexity.corpus_perplexity},
          {"mean_sequence_perplexity", r.perplexity.mean_sequence_perplexity},
          {"seconds", r.seconds}};
}

// One table row; `added` is the unit removed at this k on top of the previous rows' units.
void PrintRow(int k, const std::string& added, const engine::tasks::SuiteResult& r) {
  const double ppl = r.perplexity.corpus_perplexity;
  const std::string ppl_text =
      ppl < 1e6 ? absl::StrFormat("%.2f", ppl) : absl::StrFormat("%.2e", ppl);
  std::cout << absl::StrFormat("%-3d %-12s %6.3f %6.3f %6.3f %6.3f %7.3f %7.3f %10s %7.1f\n", k,
                               added.empty() ? "(none)" : "+" + added, r.mmlu.pooled.accuracy,
                               r.arc.acc.accuracy, r.arc.acc_norm.accuracy, r.boolq.acc.accuracy,
                               r.gsm8k.strict.accuracy, r.gsm8k.flexible.accuracy, ppl_text,
                               r.seconds)
            << std::flush;
}

absl::Status Curve(const FlagSet& flags) {
  DEPTHLAB_ASSIGN_OR_RETURN(Granularity g, engine::ParseGranularity(flags.Get("granularity")));
  engine::EngineOptions eo;
  DEPTHLAB_ASSIGN_OR_RETURN(eo.model_dir, flags.Required("model"));
  DEPTHLAB_ASSIGN_OR_RETURN(eo.num_threads, flags.GetInt("threads", 0));
  eo.device = flags.Get("device");
  DEPTHLAB_ASSIGN_OR_RETURN(auto e, engine::Engine::Create(eo));
  engine::tasks::SuiteOptions so;
  so.data_dir = flags.Get("data");
  DEPTHLAB_ASSIGN_OR_RETURN(so.limit, flags.GetInt("limit", 0));
  DEPTHLAB_ASSIGN_OR_RETURN(so.gsm8k_limit, flags.GetInt("gsm8k-limit", 0));
  DEPTHLAB_ASSIGN_OR_RETURN(so.gsm8k_max_new_tokens, flags.GetInt("gsm8k-max-new-tokens", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(auto suite, engine::tasks::TaskSuite::Create(e.get(), so));
  const UnitMask all = UnitMask::AllKept(e->config().num_hidden_layers);
  DEPTHLAB_ASSIGN_OR_RETURN(InfluenceStatistics stats, e->Statistics(suite->calibration(), all));
  const std::vector<Ranked> order = RankByCosine(stats, g);
  DEPTHLAB_ASSIGN_OR_RETURN(int max_removed, flags.GetInt("max-removed", 0));
  const int k_max = std::min<int>(max_removed > 0 ? max_removed : order.size(), order.size());
  const bool as_json = flags.IsSet("json");
  if (!as_json) {
    std::cout << absl::StrFormat("model %s (%s), granularity %s, cosine order:", eo.model_dir,
                                 e->description(), engine::GranularityName(g));
    for (const Ranked& r : order) std::cout << absl::StrFormat(" %s(%.3f)", r.name, r.cosine);
    std::cout << absl::StrFormat("\n\n%-3s %-12s %6s %6s %6s %6s %7s %7s %10s %7s\n", "k",
                                 "removes", "MMLU", "ARC", "ARC_n", "BoolQ", "GSM8K_s", "GSM8K_f",
                                 "perplexity", "seconds");
  }
  json rows = json::array();
  std::string removed;
  for (int k = 0; k <= k_max; ++k) {
    if (k > 0) removed += (k > 1 ? "," : "") + order[k - 1].name;
    UnitMask mask = all;
    DEPTHLAB_RETURN_IF_ERROR(mask.ApplyRemovals(removed));
    DEPTHLAB_ASSIGN_OR_RETURN(engine::tasks::SuiteResult r, suite->Evaluate(mask, {}));
    if (as_json) {
      rows.push_back(RowJson(k, removed, r));
    } else {
      PrintRow(k, k > 0 ? order[k - 1].name : "", r);
    }
  }
  if (as_json) {
    json order_json = json::array();
    for (const Ranked& r : order) order_json.push_back({{"unit", r.name}, {"cosine", r.cosine}});
    std::cout << json{{"model", eo.model_dir},
                      {"granularity", engine::GranularityName(g)},
                      {"cosine_order", order_json},
                      {"curve", rows}}
                     .dump(2)
              << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

int RunCurve(int argc, char** argv) {
  FlagSet flags =
      WorkerFlags("curve",
                  "Pruning curve on one machine (METHODS.md §5): influence statistics on the\n"
                  "calibration split, units ranked by cosine influence (lowest first), then for\n"
                  "k = 0..K removed units: MMLU (5-shot), ARC, BoolQ, GSM8K (5-shot, greedy) and\n"
                  "perplexity on the held-out split of <data>/calibration/test.jsonl.");
  flags.String("model", "", "Hugging Face model directory (required)");
  flags.String("data", "data", "benchmark directory (mmlu/, arc/, boolq/, gsm8k/, calibration/)");
  flags.String("granularity", "block", "block, attention, mlp or sublayer");
  flags.String("max-removed", "0", "largest k (0 = every unit)");
  flags.String("limit", "0", "items per task, MMLU per subject (0 = all)");
  flags.String("gsm8k-limit", "0", "GSM8K items (0 = all)");
  flags.String("gsm8k-max-new-tokens", "256", "generation budget per GSM8K item");
  flags.String("device", "auto", "auto, cpu or cuda");
  flags.String("threads", "0", "CPU threads (0 = every core)");
  flags.Bool("json", "print JSON instead of a table");
  return RunCommand(flags, argc, argv, Curve);
}

}  // namespace depthlab::worker
