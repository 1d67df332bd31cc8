#include "worker/engine/unit_mask.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace depthlab::engine {
namespace {

// Parses "3" or "2-4" into an inclusive layer range within [0, num_layers).
absl::Status ParseLayerRange(absl::string_view item, absl::string_view range, int num_layers,
                             int* first, int* last) {
  std::vector<absl::string_view> ends = absl::StrSplit(range, '-');
  if (ends.size() > 2 || !absl::SimpleAtoi(ends[0], first) ||
      !absl::SimpleAtoi(ends.back(), last)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--remove: '", item, "' has no valid layer number (expected e.g. block:2 or block:2-4)"));
  }
  if (*first < 0 || *last >= num_layers || *first > *last) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--remove: '", item, "' is out of range: the model has layers 0..", num_layers - 1));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Unit::ToString() const {
  return absl::StrCat(kind == UnitKind::kAttention ? "attn:" : "mlp:", layer);
}

absl::StatusOr<Granularity> ParseGranularity(std::string_view name) {
  if (name == "block") return Granularity::kBlock;
  if (name == "attention" || name == "attn") return Granularity::kAttention;
  if (name == "mlp") return Granularity::kMlp;
  if (name == "sublayer") return Granularity::kSublayer;
  return absl::InvalidArgumentError(absl::StrCat("granularity: unknown value '", std::string(name),
                                                 "' (expected block, attention, mlp or sublayer)"));
}

std::string GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kBlock:
      return "block";
    case Granularity::kAttention:
      return "attention";
    case Granularity::kMlp:
      return "mlp";
    case Granularity::kSublayer:
      return "sublayer";
  }
  return "unknown";
}

UnitMask UnitMask::AllKept(int num_layers) {
  UnitMask mask;
  mask.kept_.assign(2 * static_cast<size_t>(num_layers), true);
  return mask;
}

int UnitMask::num_removed() const {
  int removed = 0;
  for (bool k : kept_) removed += k ? 0 : 1;
  return removed;
}

absl::Status UnitMask::ApplyRemovals(std::string_view spec) {
  const absl::string_view text(spec.data(), spec.size());
  for (absl::string_view raw : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::string_view item = absl::StripAsciiWhitespace(raw);
    std::vector<absl::string_view> parts = absl::StrSplit(item, absl::MaxSplits(':', 1));
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("--remove: '", item, "' is not a unit (expected block:N, attn:N or mlp:N)"));
    }
    int first = 0, last = 0;
    const absl::string_view kind = parts[0];
    if (kind != "block" && kind != "attn" && kind != "mlp") {
      return absl::InvalidArgumentError(absl::StrCat("--remove: '", item,
                                                     "' has unknown unit kind '", kind,
                                                     "' (expected block, attn or mlp)"));
    }
    if (absl::Status s = ParseLayerRange(item, parts[1], num_layers(), &first, &last); !s.ok()) {
      return s;
    }
    for (int layer = first; layer <= last; ++layer) {
      if (kind == "block" || kind == "attn") Remove({layer, UnitKind::kAttention});
      if (kind == "block" || kind == "mlp") Remove({layer, UnitKind::kMlp});
    }
  }
  return absl::OkStatus();
}

std::string UnitMask::RemovedString() const {
  std::vector<std::string> items;
  for (int layer = 0; layer < num_layers(); ++layer) {
    const bool attn = kept({layer, UnitKind::kAttention});
    const bool mlp = kept({layer, UnitKind::kMlp});
    if (!attn && !mlp) {
      items.push_back(absl::StrCat("block:", layer));
    } else if (!attn) {
      items.push_back(absl::StrCat("attn:", layer));
    } else if (!mlp) {
      items.push_back(absl::StrCat("mlp:", layer));
    }
  }
  return absl::StrJoin(items, ",");
}

std::string UnitMask::BitString() const {
  std::string bits;
  bits.reserve(kept_.size());
  for (bool k : kept_) bits.push_back(k ? '1' : '0');
  return bits;
}

}  // namespace depthlab::engine
