#include "coordinator/shapley/coalition.h"

#include <bitset>
#include <cstddef>

#include "absl/strings/str_cat.h"

namespace depthlab::shapley {

Coalition::Coalition(int num_players)
    : num_players_(num_players), words_((static_cast<size_t>(num_players) + 63) / 64, 0) {}

Coalition Coalition::Empty(int num_players) { return Coalition(num_players); }

Coalition Coalition::Full(int num_players) { return Empty(num_players).Complement(); }

Coalition Coalition::FromMembers(int num_players, absl::Span<const int> members) {
  Coalition c(num_players);
  for (int m : members) c.Add(m);
  return c;
}

Coalition Coalition::FromMask(int num_players, uint64_t mask) {
  Coalition c(num_players);
  if (num_players > 0) {
    c.words_[0] = num_players == 64 ? mask : mask & ((uint64_t{1} << num_players) - 1);
  }
  return c;
}

absl::StatusOr<Coalition> Coalition::Parse(absl::string_view bits) {
  Coalition c(static_cast<int>(bits.size()));
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] == '1') {
      c.Add(static_cast<int>(i));
    } else if (bits[i] != '0') {
      return absl::InvalidArgumentError(
          absl::StrCat("coalition \"", bits, "\": character ", i, " is not '0' or '1'"));
    }
  }
  return c;
}

Coalition Coalition::With(int player) const {
  Coalition c = *this;
  c.Add(player);
  return c;
}

Coalition Coalition::Without(int player) const {
  Coalition c = *this;
  c.Remove(player);
  return c;
}

Coalition Coalition::Complement() const {
  Coalition c = *this;
  for (uint64_t& w : c.words_) w = ~w;
  const int tail = num_players_ & 63;
  if (tail != 0) c.words_.back() &= (uint64_t{1} << tail) - 1;
  return c;
}

int Coalition::Size() const {
  int size = 0;
  for (uint64_t w : words_) size += static_cast<int>(std::bitset<64>(w).count());
  return size;
}

std::vector<int> Coalition::Members() const {
  std::vector<int> members;
  for (int i = 0; i < num_players_; ++i) {
    if (Contains(i)) members.push_back(i);
  }
  return members;
}

uint64_t Coalition::ToMask() const { return words_.empty() ? 0 : words_[0]; }

std::string Coalition::ToString() const {
  std::string s(static_cast<size_t>(num_players_), '0');
  for (int i = 0; i < num_players_; ++i) {
    if (Contains(i)) s[i] = '1';
  }
  return s;
}

}  // namespace depthlab::shapley
