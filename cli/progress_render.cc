#include "cli/progress_render.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/enum_names.h"
#include "cli/table.h"

namespace depthlab::cli {
namespace {

int Percent(int done, int total) { return total <= 0 ? 0 : std::clamp(done * 100 / total, 0, 100); }

// "running, 12/40 jobs (30%), 3 evaluations cached"
std::string JobSummary(const v1::Sweep& sweep) {
  std::string out =
      absl::StrCat(FriendlyName(sweep.state()), ", ", sweep.jobs_done(), "/", sweep.jobs_total(),
                   " jobs (", Percent(sweep.jobs_done(), sweep.jobs_total()), "%)");
  if (sweep.evaluations_cached() > 0) {
    absl::StrAppend(&out, ", ", sweep.evaluations_cached(), " evaluations cached");
  }
  return out;
}

std::string SweepTitle(const v1::Sweep& sweep) {
  const std::string& name = sweep.spec().name();
  return name.empty() ? absl::StrCat("sweep ", sweep.id())
                      : absl::StrCat("sweep ", sweep.id(), " (", name, ")");
}

// The first `width` characters of `text`, counting UTF-8 code points.
std::string Truncate(const std::string& text, int width) {
  int seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && seen++ == width) return text.substr(0, i);
  }
  return text;
}

}  // namespace

bool IsTerminal(v1::SweepState state) {
  return state == v1::SWEEP_STATE_SUCCEEDED || state == v1::SWEEP_STATE_FAILED ||
         state == v1::SWEEP_STATE_CANCELLED;
}

std::string ProgressBar(int done, int total, int width) {
  const int filled = total <= 0 ? 0 : std::clamp(done, 0, total) * width / total;
  return absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, '-'), "]");
}

std::vector<std::string> ProgressFrame(const v1::SweepEvent& event) {
  const v1::Sweep& sweep = event.sweep();
  std::vector<std::string> lines = {absl::StrCat(SweepTitle(sweep), ": ", JobSummary(sweep))};
  size_t kind_width = 0, count_width = 0;
  for (const v1::StageProgress& stage : sweep.stages()) {
    kind_width = std::max(kind_width, stage.kind().size());
    count_width =
        std::max(count_width, absl::StrCat(stage.jobs_done(), "/", stage.jobs_total()).size());
  }
  for (const v1::StageProgress& stage : sweep.stages()) {
    const std::string count = absl::StrCat(stage.jobs_done(), "/", stage.jobs_total());
    lines.push_back(absl::StrCat("  ", stage.kind(),
                                 std::string(kind_width - stage.kind().size(), ' '), "  ",
                                 ProgressBar(stage.jobs_done(), stage.jobs_total(), 30), "  ",
                                 std::string(count_width - count.size(), ' '), count, "  ",
                                 absl::AsciiStrToLower(stage.state())));
  }
  if (!event.message().empty()) lines.push_back(absl::StrCat("  ", event.message()));
  return lines;
}

std::string RedrawFrame(int previous_lines, const std::vector<std::string>& lines, int columns) {
  // ESC[nF: up n lines to column 1; ESC[J: clear to the end of the screen.
  std::string out = previous_lines > 0 ? absl::StrCat("\x1b[", previous_lines, "F\x1b[J") : "";
  for (const std::string& line : lines) {
    absl::StrAppend(&out, Truncate(line, std::max(columns - 1, 1)), "\n");
  }
  return out;
}

std::string EventLine(const v1::SweepEvent& event) {
  const v1::Sweep& sweep = event.sweep();
  std::string line;
  if (sweep.updated_unix_micros() > 0) {
    line = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ ",
                            absl::FromUnixMicros(sweep.updated_unix_micros()), absl::UTCTimeZone());
  }
  absl::StrAppend(&line, SweepTitle(sweep), ": ", JobSummary(sweep));
  std::vector<std::string> stages;
  for (const v1::StageProgress& stage : sweep.stages()) {
    stages.push_back(absl::StrCat(stage.kind(), " ", stage.jobs_done(), "/", stage.jobs_total(),
                                  " ", absl::AsciiStrToLower(stage.state())));
  }
  if (!stages.empty()) absl::StrAppend(&line, " | ", absl::StrJoin(stages, ", "));
  if (!event.message().empty()) absl::StrAppend(&line, " | ", event.message());
  return line;
}

std::string OutcomeLine(const v1::Sweep& sweep) {
  switch (sweep.state()) {
    case v1::SWEEP_STATE_SUCCEEDED:
      return absl::StrCat("sweep ", sweep.id(), " succeeded: ", sweep.jobs_done(), "/",
                          sweep.jobs_total(), " jobs, ", sweep.evaluations_cached(),
                          " evaluations from the cache (see `depthlab results ", sweep.id(), "`)");
    case v1::SWEEP_STATE_FAILED:
      return absl::StrCat("sweep ", sweep.id(),
                          " failed: ", sweep.error().empty() ? "no error message" : sweep.error());
    case v1::SWEEP_STATE_CANCELLED:
      return absl::StrCat("sweep ", sweep.id(), " was cancelled",
                          sweep.error().empty() ? "" : absl::StrCat(": ", sweep.error()));
    default:
      return absl::StrCat("sweep ", sweep.id(), " is ", FriendlyName(sweep.state()));
  }
}

}  // namespace depthlab::cli
