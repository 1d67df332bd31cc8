#include "common/hashing.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace depthlab {
namespace {

constexpr uint64_t kMulA = 0x9fb21c651e98df25ULL;
constexpr uint64_t kMulB = 0xff51afd7ed558ccdULL;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// splitmix64's finaliser.
uint64_t Finish(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

void ContentHasher::MixWord(uint64_t w) {
  a_ = Rotl(a_ ^ w, 29) * kMulA;
  b_ = Rotl(b_ + w, 31) * kMulB;
}

void ContentHasher::Mix(absl::string_view bytes) {
  length_ += bytes.size();
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), 8 - pending_size_);
    std::memcpy(pending_ + pending_size_, bytes.data(), take);
    pending_size_ += take;
    bytes.remove_prefix(take);
    if (pending_size_ == 8) {
      uint64_t w;
      std::memcpy(&w, pending_, 8);  // little-endian hosts only (x86-64, aarch64)
      MixWord(w);
      pending_size_ = 0;
    }
  }
}

void ContentHasher::Update(absl::string_view bytes) {
  const uint64_t n = bytes.size();
  Mix(absl::string_view(reinterpret_cast<const char*>(&n), sizeof(n)));
  Mix(bytes);
}

absl::Status ContentHasher::UpdateFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  Mix(absl::string_view(reinterpret_cast<const char*>(&size), sizeof(size)));
  std::vector<char> buffer(1 << 20);
  uint64_t read = 0;
  while (read < size) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0) return absl::InternalError(absl::StrCat(path, ": read failed at byte ", read));
    Mix(absl::string_view(buffer.data(), static_cast<size_t>(got)));
    read += static_cast<uint64_t>(got);
  }
  return absl::OkStatus();
}

std::string ContentHasher::HexDigest() const {
  ContentHasher last = *this;
  uint64_t tail = 0;
  std::memcpy(&tail, pending_, pending_size_);
  last.MixWord(tail ^ (static_cast<uint64_t>(pending_size_) << 56));
  return absl::StrFormat("%016x%016x", Finish(last.a_ ^ length_),
                         Finish(last.b_ + Rotl(length_, 17)));
}

std::string HashString(absl::string_view bytes) {
  ContentHasher h;
  h.Update(bytes);
  return h.HexDigest();
}

}  // namespace depthlab
