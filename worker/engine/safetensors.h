// Reading and writing the safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON mapping tensor names to {dtype, shape, data_offsets}, then the raw data. Files are
// memory-mapped read-only and every header entry is validated before any byte is read, so a
// malformed file yields InvalidArgument naming the file and tensor, never an out-of-bounds read.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(path));
//   const TensorEntry* e = file->Find("model.norm.weight");
#ifndef DEPTHLAB_WORKER_ENGINE_SAFETENSORS_H_
#define DEPTHLAB_WORKER_ENGINE_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace depthlab::engine {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32" -> kF32 etc.; NotFound-free: unknown names are InvalidArgument.
absl::StatusOr<DType> ParseDType(std::string_view name);
std::string_view DTypeName(DType d);
size_t DTypeSize(DType d);

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // points into the mapping; valid while the file lives
  size_t nbytes = 0;

  int64_t numel() const;
};

// A memory-mapped, validated safetensors file. Immutable after Open; thread-safe.
class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // nullptr when absent.
  const TensorEntry* Find(std::string_view name) const;
  const std::map<std::string, TensorEntry, std::less<>>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  absl::Status ParseHeader();

  std::string path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, TensorEntry, std::less<>> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Converts one element range to float / double (F32, F16, BF16, F64 only).
absl::Status ConvertToFloat(const TensorEntry& e, float* out);
absl::Status ConvertToDouble(const TensorEntry& e, double* out);

// Builds a safetensors file in memory and writes it (header padded to 8 bytes). Not thread-safe.
class SafetensorsWriter {
 public:
  // Copies `bytes` (numel * DTypeSize(dtype) of them).
  void Add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* bytes);
  void AddF32(const std::string& name, std::vector<int64_t> shape,
              const std::vector<float>& values);
  void SetMetadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  absl::Status WriteFile(const std::string& path) const;
  std::string Serialize() const;

 private:
  struct Pending {
    DType dtype;
    std::vector<int64_t> shape;
    std::string bytes;
  };
  std::map<std::string, Pending> tensors_;
  std::map<std::string, std::string> metadata_;
};

// fp16 / bf16 bit conversions (round to nearest even when narrowing).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
float BFloat16ToFloat(uint16_t b);
uint16_t FloatToBFloat16(float f);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_SAFETENSORS_H_
