// Stable content hashes (the same bytes give the same hash on every machine and run), used for the
// identities of models and datasets in evaluation keys. Not cryptographic: 128 bits from two
// independent 64-bit lanes, enough to make accidental collisions between experiments negligible.
//
//   ContentHasher h;
//   h.Update("config.json");
//   DEPTHLAB_RETURN_IF_ERROR(h.UpdateFile("/models/x/model.safetensors"));
//   std::string id = h.HexDigest();  // 32 hex characters
#ifndef DEPTHLAB_COMMON_HASHING_H_
#define DEPTHLAB_COMMON_HASHING_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace depthlab {

// Not thread-safe; a value type.
class ContentHasher {
 public:
  ContentHasher() = default;
  // Appends `bytes`, prefixed by their length, so Update("ab"); Update("c") differs from
  // Update("a"); Update("bc").
  void Update(absl::string_view bytes);
  // Appends a file's length and contents; NotFound / Internal naming the path on failure.
  absl::Status UpdateFile(const std::string& path);
  std::string HexDigest() const;

 private:
  // Streams bytes through the two lanes 8 at a time; the digest does not depend on how the
  // stream was cut into Mix calls.
  void Mix(absl::string_view bytes);
  void MixWord(uint64_t w);
  uint64_t a_ = 0x9e3779b97f4a7c15ULL;
  uint64_t b_ = 0xc2b2ae3d27d4eb4fULL;
  uint64_t length_ = 0;
  char pending_[8] = {};
  size_t pending_size_ = 0;
};

// HexDigest of one string.
std::string HashString(absl::string_view bytes);

}  // namespace depthlab

#endif  // DEPTHLAB_COMMON_HASHING_H_
