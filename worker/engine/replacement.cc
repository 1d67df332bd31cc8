#include "worker/engine/replacement.h"

#include "absl/strings/str_cat.h"

namespace depthlab::engine {

Replacement Replacement::Additive(std::vector<float> v) {
  Replacement r;
  r.kind = Kind::kAdditive;
  r.vector = std::move(v);
  return r;
}

Replacement Replacement::LowRank(int rank, std::vector<float> a, std::vector<float> b,
                                 std::vector<float> bias) {
  Replacement r;
  r.kind = Kind::kLowRank;
  r.rank = rank;
  r.a = std::move(a);
  r.b = std::move(b);
  r.vector = std::move(bias);
  return r;
}

absl::Status Replacement::Validate(int hidden, const std::string& unit) const {
  const size_t h = static_cast<size_t>(hidden);
  if (kind == Kind::kNone) return absl::OkStatus();
  if (vector.size() != h) {
    return absl::InvalidArgumentError(absl::StrCat("replacement for ", unit, ": vector has ",
                                                   vector.size(), " values, expected hidden size ",
                                                   hidden));
  }
  if (kind == Kind::kLowRank) {
    const size_t expected = h * static_cast<size_t>(rank);
    if (rank <= 0 || a.size() != expected || b.size() != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("replacement for ", unit, ": low-rank adapter of rank ", rank, " needs A [",
                       rank, ", ", hidden, "] and B [", hidden, ", ", rank, "]; got ", a.size(),
                       " and ", b.size(), " values"));
    }
  }
  return absl::OkStatus();
}

}  // namespace depthlab::engine
