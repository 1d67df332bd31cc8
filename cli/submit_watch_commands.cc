// `depthlab submit` and `depthlab watch` (submit --watch goes on to watch).
#include <filesystem>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/command_util.h"
#include "cli/commands.h"
#include "cli/enum_names.h"
#include "cli/progress_render.h"
#include "cli/sweep_file.h"
#include "common/status_macros.h"

namespace depthlab::cli {
namespace {

constexpr char kSubmitDescription[] =
    R"(Reads a sweep file (YAML or JSON; every field in examples/README.md), resolves the paths in it
against the file's directory, and submits it to the coordinator. Prints the sweep id on stdout
(and what happened on stderr). Submitting the same file again returns the same sweep: the request
id defaults to a hash of the file's content and path; pass --request-id to choose one. FILE "-"
reads the sweep from stdin (paths relative to the working directory).)";

constexpr char kSubmitExamples[] = R"(  depthlab submit examples/tiny-block-sweep.yaml --watch
  id=$(depthlab submit my-sweep.yaml) && depthlab watch "$id"
  depthlab submit my-sweep.json --dry-run     # check the file; print the SweepSpec as JSON
)";

constexpr char kWatchDescription[] =
    R"(Follows a sweep until it ends: progress bars per stage on a terminal, one line per event
otherwise (or with --plain). Exits 0 when the sweep succeeds, 1 when it fails or is cancelled
(with its error on stderr).)";

constexpr char kWatchExamples[] =
    "  depthlab watch 7f3c2a\n  depthlab watch 7f3c2a --plain | tee sweep.log\n";

// Reads the sweep file (or stdin for "-"); returns its text and the name errors use.
absl::StatusOr<std::pair<std::string, std::string>> ReadSweepText(const std::string& file,
                                                                  const CommandEnv& env) {
  if (file == "-") {
    std::string text((std::istreambuf_iterator<char>(*env.in)), std::istreambuf_iterator<char>());
    return std::make_pair(text, std::string("<stdin>"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(std::string text, ReadSweepFile(file));
  return std::make_pair(std::move(text), file);
}

std::string AbsolutePath(const std::string& file) {
  if (file == "-") return file;
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(file, error);
  return error ? file : absolute.lexically_normal().string();
}

// Streams the sweep's events to env.out until it ends; the exit code follows its final state.
int WatchUntilDone(Client& client, const std::string& command, const std::string& sweep_id,
                   bool bars, const CommandEnv& env) {
  int printed = 0;
  v1::Sweep last;
  const absl::Status status = client.WatchSweep(sweep_id, [&](const v1::SweepEvent& event) {
    last = event.sweep();
    if (bars) {
      const std::vector<std::string> lines = ProgressFrame(event);
      *env.out << RedrawFrame(printed, lines, env.columns) << std::flush;
      printed = static_cast<int>(lines.size());
    } else {
      *env.out << EventLine(event) << std::endl;
    }
  });
  if (!status.ok()) return Fail(env, command, status);
  if (!IsTerminal(last.state())) {  // the stream ended early: ask once more
    absl::StatusOr<v1::Sweep> sweep = client.GetSweep(sweep_id);
    if (!sweep.ok()) return Fail(env, command, sweep.status());
    last = *sweep;
  }
  if (!IsTerminal(last.state())) {
    return Fail(env, command,
                absl::UnavailableError(absl::StrCat(
                    "the coordinator ended the watch while sweep ", sweep_id, " is still ",
                    FriendlyName(last.state()), "; run `depthlab watch ", sweep_id, "` again")));
  }
  if (last.state() == v1::SWEEP_STATE_SUCCEEDED) {
    *env.out << OutcomeLine(last) << "\n";
    return 0;
  }
  return Fail(env, command, absl::AbortedError(OutcomeLine(last)));
}

}  // namespace

std::string DefaultRequestId(absl::string_view content, absl::string_view absolute_path) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64: stable across builds and machines
  auto mix = [&hash](absl::string_view bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ull;
  };
  mix(absolute_path);
  mix(absl::string_view("\0", 1));
  mix(content);
  return absl::StrFormat("cli-%016x", hash);
}

int RunSubmit(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("submit", "submit FILE [--request-id ID] [--watch [--plain]] [--dry-run]",
                kSubmitDescription);
  flags.Positionals("FILE", 1, 1);
  flags.String("request-id", "ID", "", "idempotency key (default: hash of the file and its path)");
  flags.Bool("watch", "then follow the sweep as `depthlab watch` does");
  flags.Bool("plain", "with --watch: one line per event even on a terminal");
  flags.Bool("dry-run", "print the SweepSpec the file maps to (JSON) and submit nothing");
  AddConnectionFlags(flags, env);
  flags.Examples(kSubmitExamples);
  if (std::optional<int> exit = ParseOrExit(flags, args, env)) return *exit;

  const std::string& file = flags.positionals()[0];
  absl::StatusOr<std::pair<std::string, std::string>> text = ReadSweepText(file, env);
  if (!text.ok()) return Fail(env, "submit", text.status());
  absl::StatusOr<v1::SweepSpec> spec = ParseSweepFile(text->first, text->second);
  if (!spec.ok()) return Fail(env, "submit", spec.status());
  if (flags.IsSet("dry-run")) {
    *env.out << ToJson(*spec);
    return 0;
  }
  absl::StatusOr<ConnectionOptions> connection = ConnectionFromFlags(flags, env);
  if (!connection.ok()) return Fail(env, "submit", connection.status(), 2);

  v1::SubmitSweepRequest request;
  *request.mutable_spec() = *spec;
  request.set_request_id(flags.IsSet("request-id")
                             ? flags.Get("request-id")
                             : DefaultRequestId(text->first, AbsolutePath(file)));
  Client client(*connection);
  absl::StatusOr<v1::SubmitSweepResponse> response = client.SubmitSweep(request);
  if (!response.ok()) return Fail(env, "submit", response.status());
  const std::string& id = response->sweep().id();
  *env.out << id << std::endl;
  if (response->created()) {
    *env.err << "submitted sweep " << id << " to " << client.target() << "\n";
  } else {
    *env.err << "sweep " << id << " was already submitted with request id " << request.request_id()
             << " (pass another --request-id to run it again)\n";
  }
  if (!flags.IsSet("watch")) return 0;
  return WatchUntilDone(client, "submit", id, env.out_is_terminal && !flags.IsSet("plain"), env);
}

int RunWatch(const std::vector<std::string>& args, const CommandEnv& env) {
  FlagSet flags("watch", "watch SWEEP_ID [--plain]", kWatchDescription);
  flags.Positionals("SWEEP_ID", 1, 1);
  flags.Bool("plain", "one line per event even on a terminal");
  AddConnectionFlags(flags, env);
  flags.Examples(kWatchExamples);
  if (std::optional<int> exit = ParseOrExit(flags, args, env)) return *exit;
  absl::StatusOr<ConnectionOptions> connection = ConnectionFromFlags(flags, env);
  if (!connection.ok()) return Fail(env, "watch", connection.status(), 2);
  Client client(*connection);
  return WatchUntilDone(client, "watch", flags.positionals()[0],
                        env.out_is_terminal && !flags.IsSet("plain"), env);
}

}  // namespace depthlab::cli
