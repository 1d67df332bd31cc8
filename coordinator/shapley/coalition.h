// A coalition of players: the set of kept units, the input of a Shapley value oracle. Any number of
// players (stored as 64-bit words), so sub-layer granularity on deep models fits. Its string form
// matches the engine's `UnitMask::BitString()`: one character per player, '1' kept, '0' removed.
//
//   Coalition s = Coalition::Full(n).Without(3);  // every player but 3
//   std::string key = s.ToString();               // "1110111..." (a cache key)
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_COALITION_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_COALITION_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace depthlab::shapley {

// A subset of players {0, ..., num_players - 1}. Value type; thread-compatible. Two coalitions are
// equal only if they have the same number of players and the same members.
class Coalition {
 public:
  Coalition() = default;  // zero players
  static Coalition Empty(int num_players);
  static Coalition Full(int num_players);
  // REQUIRES: every member in [0, num_players).
  static Coalition FromMembers(int num_players, absl::Span<const int> members);
  // Bit i of `mask` is player i. REQUIRES: num_players <= 64.
  static Coalition FromMask(int num_players, uint64_t mask);
  // Parses ToString()'s form; InvalidArgument on any character other than '0' and '1'.
  static absl::StatusOr<Coalition> Parse(absl::string_view bits);

  int num_players() const { return num_players_; }
  // REQUIRES: 0 <= player < num_players() for the functions below.
  bool Contains(int player) const { return (words_[player >> 6] >> (player & 63)) & 1; }
  void Add(int player) { words_[player >> 6] |= uint64_t{1} << (player & 63); }
  void Remove(int player) { words_[player >> 6] &= ~(uint64_t{1} << (player & 63)); }
  Coalition With(int player) const;
  Coalition Without(int player) const;
  Coalition Complement() const;

  int Size() const;                  // number of members
  std::vector<int> Members() const;  // ascending
  uint64_t ToMask() const;           // REQUIRES: num_players() <= 64
  std::string ToString() const;      // '1' member, '0' not, player 0 first

  friend bool operator==(const Coalition& a, const Coalition& b) {
    return a.num_players_ == b.num_players_ && a.words_ == b.words_;
  }
  friend bool operator!=(const Coalition& a, const Coalition& b) { return !(a == b); }
  friend bool operator<(const Coalition& a, const Coalition& b) {
    return std::tie(a.num_players_, a.words_) < std::tie(b.num_players_, b.words_);
  }
  template <typename H>
  friend H AbslHashValue(H h, const Coalition& c) {
    return H::combine(std::move(h), c.num_players_, c.words_);
  }

 private:
  explicit Coalition(int num_players);

  int num_players_ = 0;
  std::vector<uint64_t> words_;  // bits past num_players_ are always zero
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_COALITION_H_
