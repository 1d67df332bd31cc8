#include "coordinator/planner/sweep_resolver.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hashing.h"
#include "common/status_macros.h"
#include "common/tasks/task_data.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"

namespace depthlab::planner {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::depthlab::v1;

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

// Re-labels a reader's error (which names the file and line) with the spec field.
absl::Status InField(absl::string_view field, const absl::Status& status) {
  if (status.ok()) return status;
  return Invalid(field, status.message());
}

// Fields a newer client sent that this coordinator does not know: refused rather than ignored,
// since an ignored option silently changes the experiment.
absl::Status CheckNoUnknownFields(const google::protobuf::Message& message,
                                  const std::string& path) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (!unknown.empty()) {
    return Invalid(path.empty() ? "spec" : path,
                   absl::StrCat("unknown field number ", unknown.field(0).number(), " in ",
                                message.GetDescriptor()->name(), " (client newer than server?)"));
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string sub = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->is_map()) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        DEPTHLAB_RETURN_IF_ERROR(CheckNoUnknownFields(
            reflection->GetRepeatedMessage(message, field, i), absl::StrCat(sub, "[", i, "]")));
      }
    } else {
      DEPTHLAB_RETURN_IF_ERROR(CheckNoUnknownFields(reflection->GetMessage(message, field), sub));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  }
  return j;
}

absl::Status ResolveModel(const std::string& dir, ResolvedSweep* out) {
  if (dir.empty()) return Invalid("model", "required (a Hugging Face model directory)");
  if (!fs::is_directory(dir)) return Invalid("model", absl::StrCat(dir, " is not a directory"));
  const std::string config_path = dir + "/config.json";
  if (!fs::exists(config_path)) {
    return Invalid("model", absl::StrCat("no config.json in ", dir,
                                         " (expected a Hugging Face model directory)"));
  }
  absl::StatusOr<nlohmann::json> config = ReadJsonFile(config_path);
  if (!config.ok()) return Invalid("model", config.status().message());
  const auto layers = config->find("num_hidden_layers");
  if (layers == config->end() || !layers->is_number_integer() || layers->get<int>() <= 0) {
    return Invalid("model",
                   absl::StrCat(config_path, ": num_hidden_layers missing or not positive"));
  }
  out->num_layers = layers->get<int>();
  out->model_type = config->value("model_type", "");
  ContentHasher hasher;
  bool has_weights = false;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const bool weights = name.size() > 12 && name.substr(name.size() - 12) == ".safetensors";
    const bool part = weights || name == "config.json" || name == "tokenizer.model" ||
                      name == "tokenizer.json" || name == "tokenizer_config.json" ||
                      name == "model.safetensors.index.json";
    if (!part) continue;
    has_weights |= weights;
    hasher.Update(name);
    DEPTHLAB_RETURN_IF_ERROR(InField("model", hasher.UpdateFile(dir + "/" + name)));
  }
  if (!has_weights) return Invalid("model", absl::StrCat("no *.safetensors weights in ", dir));
  out->model_hash = hasher.HexDigest();
  return absl::OkStatus();
}

absl::Status ResolveCalibration(v1::CalibrationSpec* c, ResolvedSweep* out) {
  if (c->path().empty()) return Invalid("calibration.path", "required (JSONL or text)");
  if (!fs::is_regular_file(c->path())) {
    return Invalid("calibration.path", absl::StrCat("no file ", c->path()));
  }
  if (c->seq_len() < 0 || c->seq_len() > 32768) {
    return Invalid("calibration.seq_len",
                   absl::StrCat("must be in 0..32768 (got ", c->seq_len(), ")"));
  }
  if (c->max_sequences() < 0) {
    return Invalid("calibration.max_sequences",
                   absl::StrCat("must be >= 0 (got ", c->max_sequences(), ")"));
  }
  if (c->held_out_fraction() < 0 || c->held_out_fraction() >= 1) {
    return Invalid("calibration.held_out_fraction",
                   absl::StrCat("must be in [0, 1) (got ", c->held_out_fraction(), ")"));
  }
  if (c->seq_len() == 0) c->set_seq_len(kDefaultSeqLen);
  if (c->max_sequences() == 0) c->set_max_sequences(kDefaultCalibrationSequences);
  if (c->held_out_fraction() == 0) c->set_held_out_fraction(kDefaultHeldOutFraction);
  ContentHasher h;
  DEPTHLAB_RETURN_IF_ERROR(InField("calibration.path", h.UpdateFile(c->path())));
  h.Update(absl::StrCat(c->seq_len(), "/", c->held_out_fraction(), "/", c->seed()));
  out->calibration_hash = h.HexDigest();
  return absl::OkStatus();
}

// The item count of a task file, read with the worker's own readers.
absl::StatusOr<int> CountItems(const v1::TaskSpec& task) {
  tasks::ReadOptions options;
  options.skip_bad_rows = task.skip_bad_rows();
  switch (task.kind()) {
    case v1::TASK_KIND_MMLU: {
      tasks::MmluReadOptions mmlu;
      mmlu.skip_bad_rows = task.skip_bad_rows();
      DEPTHLAB_ASSIGN_OR_RETURN(tasks::MmluData data, tasks::ReadMmlu(task.path(), mmlu));
      int n = 0;
      for (const tasks::MmluSubject& s : data.subjects) {
        const int count = static_cast<int>(s.questions.size());
        n += task.limit() > 0 ? std::min(count, task.limit()) : count;
      }
      return n;
    }
    case v1::TASK_KIND_ARC: {
      DEPTHLAB_ASSIGN_OR_RETURN(auto rows, tasks::ReadArc(task.path(), options));
      return static_cast<int>(rows.items.size());
    }
    case v1::TASK_KIND_BOOLQ: {
      DEPTHLAB_ASSIGN_OR_RETURN(auto rows, tasks::ReadBoolq(task.path(), options));
      return static_cast<int>(rows.items.size());
    }
    case v1::TASK_KIND_GSM8K: {
      DEPTHLAB_ASSIGN_OR_RETURN(auto shots, tasks::ReadGsm8k(task.shots_path(), options));
      if (shots.items.size() < 5) {
        return absl::InvalidArgumentError(
            absl::StrCat(task.shots_path(), ": needs at least 5 shots, has ", shots.items.size()));
      }
      DEPTHLAB_ASSIGN_OR_RETURN(auto rows, tasks::ReadGsm8k(task.path(), options));
      return static_cast<int>(rows.items.size());
    }
    case v1::TASK_KIND_PERPLEXITY:
      if (!fs::is_regular_file(task.path()))
        return absl::NotFoundError(absl::StrCat("no file ", task.path()));
      return task.limit() > 0 ? task.limit() : kDefaultPerplexitySequences;
    default:
      return absl::InvalidArgumentError("kind: required (mmlu, arc, boolq, gsm8k or perplexity)");
  }
}

absl::Status HashTaskFiles(const v1::TaskSpec& task, ContentHasher* h) {
  if (task.kind() != v1::TASK_KIND_MMLU) {
    DEPTHLAB_RETURN_IF_ERROR(h->UpdateFile(task.path()));
    if (task.kind() == v1::TASK_KIND_GSM8K)
      DEPTHLAB_RETURN_IF_ERROR(h->UpdateFile(task.shots_path()));
    return absl::OkStatus();
  }
  std::vector<std::string> files;
  for (const char* split : {"dev", "test"}) {
    const fs::path sub = fs::path(task.path()) / split;
    if (!fs::is_directory(sub)) continue;
    for (const auto& e : fs::directory_iterator(sub)) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    h->Update(fs::path(f).lexically_relative(task.path()).string());
    DEPTHLAB_RETURN_IF_ERROR(h->UpdateFile(f));
  }
  return absl::OkStatus();
}

absl::StatusOr<ResolvedTask> ResolveTask(v1::TaskSpec task, const std::string& field) {
  if (task.kind() == v1::TASK_KIND_UNSPECIFIED) {
    return Invalid(field + ".kind", "required (mmlu, arc, boolq, gsm8k or perplexity)");
  }
  if (task.path().empty()) return Invalid(field + ".path", "required");
  if (!fs::exists(task.path()))
    return Invalid(field + ".path", absl::StrCat("no such file or directory ", task.path()));
  if (task.limit() < 0)
    return Invalid(field + ".limit", absl::StrCat("must be >= 0 (got ", task.limit(), ")"));
  if (task.max_new_tokens() < 0) {
    return Invalid(field + ".max_new_tokens",
                   absl::StrCat("must be >= 0 (got ", task.max_new_tokens(), ")"));
  }
  if (task.kind() == v1::TASK_KIND_GSM8K) {
    if (task.shots_path().empty()) {
      task.set_shots_path((fs::path(task.path()).parent_path() / "train.jsonl").string());
    }
    if (task.max_new_tokens() == 0) task.set_max_new_tokens(kDefaultGsm8kTokens);
  }
  ResolvedTask out;
  absl::StatusOr<int> n = CountItems(task);
  if (!n.ok()) return Invalid(field + ".path", n.status().message());
  if (*n == 0) return Invalid(field + ".path", absl::StrCat(task.path(), ": no items"));
  ContentHasher h;
  h.Update(absl::StrCat(task.kind(), "/", task.limit(), "/", task.max_new_tokens(), "/",
                        task.skip_bad_rows()));
  DEPTHLAB_RETURN_IF_ERROR(InField(field + ".path", HashTaskFiles(task, &h)));
  out.dataset_hash = h.HexDigest();
  out.num_items = *n;
  out.spec = std::move(task);
  return out;
}

absl::Status ResolveMetrics(v1::SweepSpec* spec, int num_players) {
  if (spec->metrics().empty()) return Invalid("metrics", "at least one metric is required");
  std::set<int> seen;
  for (int i = 0; i < spec->metrics_size(); ++i) {
    const v1::Metric m = spec->metrics(i);
    const std::string field = absl::StrCat("metrics[", i, "]");
    if (m == v1::METRIC_UNSPECIFIED || !v1::Metric_IsValid(m))
      return Invalid(field, "unknown metric");
    if (!seen.insert(m).second)
      return Invalid(field, absl::StrCat(v1::Metric_Name(m), " listed twice"));
  }
  v1::ShapleyOptions* s = spec->mutable_shapley();
  if (s->estimator() == v1::ESTIMATOR_UNSPECIFIED) s->set_estimator(v1::ESTIMATOR_PAPER_LOO);
  if (s->budget() < 0)
    return Invalid("shapley.budget", absl::StrCat("must be >= 0 (got ", s->budget(), ")"));
  if (s->budget() == 0) s->set_budget(kDefaultShapleyBudget);
  if (s->target_stderr() < 0) {
    return Invalid("shapley.target_stderr",
                   absl::StrCat("must be >= 0 (got ", s->target_stderr(), ")"));
  }
  if (s->estimator() == v1::ESTIMATOR_EXACT && num_players > 16) {
    return Invalid("shapley.estimator",
                   absl::StrCat("exact needs at most 16 players; this sweep has ", num_players));
  }
  return absl::OkStatus();
}

bool HasMetric(const v1::SweepSpec& spec, v1::Metric metric) {
  return std::find(spec.metrics().begin(), spec.metrics().end(), metric) != spec.metrics().end();
}

absl::Status ResolveShapes(v1::SweepSpec* spec, ResolvedSweep* out) {
  if (spec->granularity() == v1::GRANULARITY_UNSPECIFIED)
    spec->set_granularity(v1::GRANULARITY_BLOCK);
  if (!v1::Granularity_IsValid(spec->granularity())) return Invalid("granularity", "unknown value");
  out->num_players = NumPlayers(spec->granularity(), out->num_layers);
  if (spec->max_units_removed() < 0) {
    return Invalid("max_units_removed",
                   absl::StrCat("must be >= 0 (got ", spec->max_units_removed(), ")"));
  }
  if (spec->max_units_removed() > out->num_players) {
    return Invalid(
        "max_units_removed",
        absl::StrFormat("%d is more than the %d units at %s granularity", spec->max_units_removed(),
                        out->num_players, v1::Granularity_Name(spec->granularity())));
  }
  if (spec->max_units_removed() == 0) spec->set_max_units_removed(out->num_players);
  if (spec->shard_size() < 0) {
    return Invalid("shard_size", absl::StrCat("must be >= 0 (got ", spec->shard_size(), ")"));
  }
  if (spec->shard_size() == 0) spec->set_shard_size(kDefaultShardSize);
  return absl::OkStatus();
}

}  // namespace

int NumPlayers(v1::Granularity granularity, int num_layers) {
  return granularity == v1::GRANULARITY_SUBLAYER ? 2 * num_layers : num_layers;
}

absl::StatusOr<ResolvedSweep> ResolveSweep(const v1::SweepSpec& input) {
  DEPTHLAB_RETURN_IF_ERROR(CheckNoUnknownFields(input, ""));
  ResolvedSweep out;
  out.spec = input;
  v1::SweepSpec& spec = out.spec;
  DEPTHLAB_RETURN_IF_ERROR(ResolveModel(spec.model(), &out));
  DEPTHLAB_RETURN_IF_ERROR(ResolveCalibration(spec.mutable_calibration(), &out));
  DEPTHLAB_RETURN_IF_ERROR(ResolveShapes(&spec, &out));
  DEPTHLAB_RETURN_IF_ERROR(ResolveMetrics(&spec, out.num_players));
  if (spec.tasks().empty()) return Invalid("tasks", "at least one task is required");
  for (int i = 0; i < spec.tasks_size(); ++i) {
    DEPTHLAB_ASSIGN_OR_RETURN(ResolvedTask t,
                              ResolveTask(spec.tasks(i), absl::StrCat("tasks[", i, "]")));
    *spec.mutable_tasks(i) = t.spec;
    if (t.spec.kind() == v1::TASK_KIND_PERPLEXITY) {
      // Its sequences are packed with the calibration options.
      t.dataset_hash = HashString(t.dataset_hash + out.calibration_hash);
    }
    out.tasks.push_back(std::move(t));
  }
  if (HasMetric(spec, v1::METRIC_TASK_SHAPLEY)) {
    if (!spec.shapley().has_task()) return Invalid("shapley.task", "required by task_shapley");
    DEPTHLAB_ASSIGN_OR_RETURN(ResolvedTask t, ResolveTask(spec.shapley().task(), "shapley.task"));
    if (t.spec.kind() == v1::TASK_KIND_PERPLEXITY || t.spec.kind() == v1::TASK_KIND_GSM8K) {
      return Invalid("shapley.task.kind",
                     "task_shapley takes a multiple-choice task (mmlu, arc, boolq)");
    }
    *spec.mutable_shapley()->mutable_task() = t.spec;
    out.shapley_task = std::move(t);
  }
  for (const auto& [key, value] : spec.labels()) {
    if (key.empty()) return Invalid("labels", "empty label name");
  }
  return out;
}

}  // namespace depthlab::planner
