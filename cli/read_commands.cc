// `depthlab list`, `results`, `compare` and `cancel`: one or a few calls each, rendered as tables
// (or JSON with --json).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cli/command_util.h"
#include "cli/commands.h"
#include "cli/curve_render.h"
#include "cli/enum_names.h"
#include "cli/progress_render.h"
#include "cli/sweep_render.h"
#include "common/status_macros.h"

namespace depthlab::cli {
namespace {

constexpr char kListDescription[] =
    R"(Lists sweeps in the coordinator's order: id, name, state, jobs done, model and creation time.
--state keeps one state (pending, running, succeeded, failed, cancelled); --model keeps one model
(its path or content hash).)";

constexpr char kResultsDescription[] =
    R"(Shows a sweep's results: for each metric, the units by influence (value ± standard error, rank
and its bootstrap interval; rank 1 is the most influential unit, removed last); then for each task
the pruning curves: rows k = units removed, one column per metric, each cell the accuracy (for
perplexity, exp of the mean NLL) with the unit removed at that k. A running sweep shows what has
been computed so far. --json prints {"sweep", "influence", "curves"} as proto JSON.)";

constexpr char kCompareDescription[] =
    R"(Puts one task's pruning curves side by side: rows k = units removed, one column per
model/metric (and recovery, granularity, sweep where they differ). Without SWEEP_IDs, every
finished sweep is compared; --metric (repeatable, or comma-separated) keeps some metrics.)";

constexpr char kCancelDescription[] =
    R"(Cancels a sweep: its queued jobs are dropped and workers stop its running ones at their next
heartbeat.)";

absl::StatusOr<int> OptionalEnumFlag(const FlagSet& flags, const std::string& name,
                                     const google::protobuf::EnumDescriptor* type) {
  if (!flags.IsSet(name)) return 0;
  return ParseEnumFlag(type, name, flags.Get(name));
}

absl::Status List(const FlagSet& flags, Client& client, const CommandEnv& env) {
  absl::StatusOr<int> limit_flag = flags.GetInt("limit", 0);
  if (!limit_flag.ok()) return UsageError(limit_flag.status().message());
  const int limit = *limit_flag;
  v1::ListSweepsRequest request;
  DEPTHLAB_ASSIGN_OR_RETURN(const int state,
                            OptionalEnumFlag(flags, "state", v1::SweepState_descriptor()));
  request.set_state(static_cast<v1::SweepState>(state));
  request.set_model(flags.Get("model"));
  std::vector<v1::Sweep> sweeps;
  bool more = false;
  do {
    const int wanted = limit == 0 ? 100 : limit - static_cast<int>(sweeps.size());
    request.set_page_size(std::min(wanted, 100));
    DEPTHLAB_ASSIGN_OR_RETURN(v1::ListSweepsResponse page, client.ListSweeps(request));
    for (v1::Sweep& sweep : *page.mutable_sweeps()) {
      if (limit > 0 && static_cast<int>(sweeps.size()) == limit) break;
      sweeps.push_back(std::move(sweep));
    }
    request.set_page_token(page.next_page_token());
    more = !page.next_page_token().empty() && !page.sweeps().empty();  // no endless empty pages
  } while (more && (limit == 0 || static_cast<int>(sweeps.size()) < limit));
  if (sweeps.empty()) {
    *env.err << "no sweeps" << (state != 0 || flags.IsSet("model") ? " match" : " yet") << "\n";
    return absl::OkStatus();
  }
  *env.out << RenderSweepList(sweeps);
  if (more) *env.err << "(first " << limit << " shown; pass --limit 0 for all)\n";
  return absl::OkStatus();
}

absl::Status Results(const FlagSet& flags, Client& client, const CommandEnv& env) {
  const std::string& id = flags.positionals()[0];
  DEPTHLAB_ASSIGN_OR_RETURN(const int metric,
                            OptionalEnumFlag(flags, "metric", v1::Metric_descriptor()));
  DEPTHLAB_ASSIGN_OR_RETURN(const int task,
                            OptionalEnumFlag(flags, "task", v1::TaskKind_descriptor()));
  DEPTHLAB_ASSIGN_OR_RETURN(const v1::Sweep sweep, client.GetSweep(id));
  v1::GetInfluenceRequest influence_request;
  influence_request.set_sweep_id(id);
  influence_request.set_metric(static_cast<v1::Metric>(metric));
  DEPTHLAB_ASSIGN_OR_RETURN(const v1::GetInfluenceResponse influence,
                            client.GetInfluence(influence_request));
  v1::GetCurvesRequest curves_request;
  curves_request.set_sweep_id(id);
  curves_request.set_metric(static_cast<v1::Metric>(metric));
  curves_request.set_task(static_cast<v1::TaskKind>(task));
  DEPTHLAB_ASSIGN_OR_RETURN(const v1::GetCurvesResponse curves, client.GetCurves(curves_request));
  if (flags.IsSet("json")) {
    *env.out << ToJson({{"sweep", &sweep}, {"influence", &influence}, {"curves", &curves}});
    return absl::OkStatus();
  }
  *env.out << RenderSweepHeader(sweep);
  if (influence.entries().empty() && curves.points().empty()) {
    *env.out << "\nno results yet" << (IsTerminal(sweep.state()) ? "" : " (see `depthlab watch`)")
             << "\n";
    return absl::OkStatus();
  }
  if (!influence.entries().empty()) *env.out << "\n" << RenderInfluence(influence);
  if (!curves.points().empty()) *env.out << "\n" << RenderCurves(curves);
  return absl::OkStatus();
}

absl::Status Compare(const FlagSet& flags, Client& client, const CommandEnv& env) {
  if (!flags.IsSet("task")) return UsageError("--task is required (e.g. --task mmlu)");
  v1::CompareSweepsRequest request;
  DEPTHLAB_ASSIGN_OR_RETURN(const int task,
                            ParseEnumFlag(v1::TaskKind_descriptor(), "task", flags.Get("task")));
  request.set_task(static_cast<v1::TaskKind>(task));
  for (const std::string& id : flags.positionals()) request.add_sweep_ids(id);
  for (const std::string& name : flags.GetList("metric")) {
    DEPTHLAB_ASSIGN_OR_RETURN(const int metric,
                              ParseEnumFlag(v1::Metric_descriptor(), "metric", name));
    request.add_metrics(static_cast<v1::Metric>(metric));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const v1::CompareSweepsResponse response,
                            client.CompareSweeps(request));
  if (flags.IsSet("json")) {
    *env.out << ToJson(response);
  } else if (response.points().empty()) {
    *env.err << "no curves for task " << FriendlyName(request.task())
             << (request.sweep_ids().empty() ? " in any finished sweep" : " in these sweeps")
             << "\n";
  } else {
    *env.out << RenderComparison(response);
  }
  return absl::OkStatus();
}

// Parses flags, connects and runs `body`; the exit code of a command.
int Run(FlagSet& flags, const std::vector<std::string>& args, const CommandEnv& env,
        absl::Status (*body)(const FlagSet&, Client&, const CommandEnv&)) {
  AddConnectionFlags(flags, env);
  if (std::optional<int> exit = ParseOrExit(flags, args, env)) return *exit;
  absl::StatusOr<ConnectionOptions> connection = ConnectionFromFlags(flags, env);
  if (!connection.ok()) return Fail(env, flags.command(), connection.status(), 2);
  Client client(*connection);
  const absl::Status status = body(flags, client, env);
  if (status.ok()) return 0;
  return Fail(env, flags.command(), status, IsUsageError(status) ? 2 : 1);
}

}  // namespace

int RunList(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("list", "list [--state S] [--model M] [--limit N]", kListDescription);
  flags.String("state", "S", "", "only sweeps in this state");
  flags.String("model", "M", "", "only sweeps of this model (path or content hash)");
  flags.String("limit", "N", "50", "at most N sweeps; 0 = all");
  flags.Examples(
      "  depthlab list --state running\n  depthlab list --model /models/llama-2-7b --limit 0\n");
  return Run(flags, args, env, List);
}

int RunResults(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("results", "results SWEEP_ID [--metric M] [--task T] [--json]",
                kResultsDescription);
  flags.Positionals("SWEEP_ID", 1, 1);
  flags.String("metric", "M", "", "only this metric (cosine, relative_l1, loss_shapley, ...)");
  flags.String("task", "T", "", "only this task's curves (mmlu, arc, boolq, gsm8k, perplexity)");
  flags.Bool("json", "print proto JSON instead of tables");
  flags.Examples(
      "  depthlab results 7f3c2a\n  depthlab results 7f3c2a --metric cosine --task mmlu\n"
      "  depthlab results 7f3c2a --json > results.json\n");
  return Run(flags, args, env, Results);
}

int RunCompare(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("compare", "compare --task T [SWEEP_ID...] [--metric M...] [--json]",
                kCompareDescription);
  flags.Positionals("SWEEP_ID", 0, -1);
  flags.String("task", "T", "", "the task (mmlu, arc, boolq, gsm8k, perplexity); required");
  flags.List("metric", "M", "only these metrics (repeatable, or comma-separated)");
  flags.Bool("json", "print proto JSON instead of a table");
  flags.Examples(
      "  depthlab compare --task mmlu\n"
      "  depthlab compare --task arc 7f3c2a 91bd04 --metric cosine,loss_shapley\n");
  return Run(flags, args, env, Compare);
}

int RunCancel(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("cancel", "cancel SWEEP_ID", kCancelDescription);
  flags.Positionals("SWEEP_ID", 1, 1);
  flags.Examples("  depthlab cancel 7f3c2a\n");
  return Run(flags, args, env, [](const FlagSet& f, Client& client, const CommandEnv& e) {
    DEPTHLAB_ASSIGN_OR_RETURN(const v1::Sweep sweep, client.CancelSweep(f.positionals()[0]));
    *e.out << (sweep.state() == v1::SWEEP_STATE_CANCELLED
                   ? absl::StrCat("sweep ", sweep.id(), " cancelled")
                   : absl::StrCat("sweep ", sweep.id(),
                                  " had already ended: ", FriendlyName(sweep.state())))
           << "\n";
    return absl::OkStatus();
  });
}

}  // namespace depthlab::cli
