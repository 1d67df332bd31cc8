#include "worker/engine/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::engine {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;  // the reference implementation's cap

absl::Status Bad(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

// Validates one header entry's dtype/shape/offsets and fills `e`. data_size = bytes after header.
absl::Status ParseEntry(const std::string& path, const std::string& name, const json& v,
                        const uint8_t* data, uint64_t data_size, TensorEntry* e) {
  const std::string where = absl::StrCat("tensor '", name, "'");
  if (!v.is_object()) return Bad(path, where + ": header entry is not an object");
  auto dtype = v.find("dtype");
  auto shape = v.find("shape");
  auto offsets = v.find("data_offsets");
  if (dtype == v.end() || !dtype->is_string()) return Bad(path, where + ": missing dtype");
  if (shape == v.end() || !shape->is_array()) return Bad(path, where + ": missing shape");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    return Bad(path, where + ": data_offsets must be two non-negative integers");
  }
  absl::StatusOr<DType> parsed = ParseDType(dtype->get<std::string>());
  if (!parsed.ok()) return Bad(path, where + ": " + std::string(parsed.status().message()));
  e->name = name;
  e->dtype = *parsed;
  uint64_t numel = 1;
  for (const json& d : *shape) {
    if (!d.is_number_unsigned()) return Bad(path, where + ": shape has a negative or non-integer");
    const uint64_t dim = d.get<uint64_t>();
    if (dim != 0 && numel > (uint64_t{1} << 48) / dim)
      return Bad(path, where + ": shape too large");
    numel *= dim;
    e->shape.push_back(static_cast<int64_t>(dim));
  }
  const uint64_t begin = (*offsets)[0].get<uint64_t>();
  const uint64_t end = (*offsets)[1].get<uint64_t>();
  if (begin > end || end > data_size) {
    return Bad(path, absl::StrCat(where, ": data_offsets [", begin, ", ", end,
                                  ") lie outside the data section of ", data_size, " bytes"));
  }
  if (end - begin != numel * DTypeSize(e->dtype)) {
    return Bad(path, absl::StrCat(where, ": data_offsets cover ", end - begin, " bytes but shape ",
                                  "and dtype need ", numel * DTypeSize(e->dtype)));
  }
  e->data = data + begin;
  e->nbytes = end - begin;
  return absl::OkStatus();
}

// Overlapping byte ranges would let two tensors alias; the format forbids it.
absl::Status CheckNoOverlap(const std::string& path,
                            const std::map<std::string, TensorEntry, std::less<>>& tensors) {
  std::vector<const TensorEntry*> sorted;
  for (const auto& [name, e] : tensors) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return a->data < b->data; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1]->data + sorted[i - 1]->nbytes > sorted[i]->data) {
      return Bad(path, absl::StrCat("tensors '", sorted[i - 1]->name, "' and '", sorted[i]->name,
                                    "' have overlapping data_offsets"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DType> ParseDType(std::string_view name) {
  static const std::pair<const char*, DType> kNames[] = {
      {"F32", DType::kF32}, {"F16", DType::kF16},  {"BF16", DType::kBF16}, {"F64", DType::kF64},
      {"I64", DType::kI64}, {"I32", DType::kI32},  {"I16", DType::kI16},   {"I8", DType::kI8},
      {"U8", DType::kU8},   {"BOOL", DType::kBool}};
  for (const auto& [n, d] : kNames) {
    if (name == n) return d;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype '", std::string(name), "'"));
}

std::string_view DTypeName(DType d) {
  switch (d) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    case DType::kF64:
      return "F64";
    case DType::kI64:
      return "I64";
    case DType::kI32:
      return "I32";
    case DType::kI16:
      return "I16";
    case DType::kI8:
      return "I8";
    case DType::kU8:
      return "U8";
    case DType::kBool:
      return "BOOL";
  }
  return "?";
}

size_t DTypeSize(DType d) {
  switch (d) {
    case DType::kF64:
    case DType::kI64:
      return 8;
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kI16:
      return 2;
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      return 1;
  }
  return 1;
}

int64_t TensorEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": cannot stat"));
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->map_size_ = static_cast<size_t>(st.st_size);
  if (file->map_size_ > 0) {
    void* map = ::mmap(nullptr, file->map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": mmap failed: ", strerror(errno)));
    }
    file->map_ = map;
  }
  ::close(fd);
  DEPTHLAB_RETURN_IF_ERROR(file->ParseHeader());
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

absl::Status SafetensorsFile::ParseHeader() {
  if (map_size_ < 8) {
    return Bad(path_, absl::StrCat("truncated: ", map_size_,
                                   " bytes is too short for the 8-byte header length"));
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(map_);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > map_size_ - 8 || header_len > kMaxHeaderBytes) {
    return Bad(path_, absl::StrCat("header length ", header_len, " runs past the end of the ",
                                   map_size_, "-byte file (truncated or not safetensors)"));
  }
  const char* header = reinterpret_cast<const char*>(bytes + 8);
  const json j = json::parse(header, header + header_len, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad(path_, "header is not a JSON object");
  const uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = map_size_ - 8 - header_len;
  for (const auto& [name, v] : j.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) return Bad(path_, "__metadata__ is not an object");
      for (const auto& [k, mv] : v.items()) {
        if (mv.is_string()) metadata_[k] = mv.get<std::string>();
      }
      continue;
    }
    TensorEntry e;
    DEPTHLAB_RETURN_IF_ERROR(ParseEntry(path_, name, v, data, data_size, &e));
    tensors_.emplace(name, std::move(e));
  }
  return CheckNoOverlap(path_, tensors_);
}

const TensorEntry* SafetensorsFile::Find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return sign | (abs > 0x7f800000u ? 0x7e00 : 0x7c00);  // NaN / Inf
  if (abs >= 0x477ff000u) return sign | 0x7c00;                                 // overflow
  if (abs < 0x38800000u) {  // subnormal half or zero
    if (abs < 0x33000000u) return sign;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24: value = mant * 2^-shift
    uint32_t half = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half & 1u))) ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t half = ((abs >> 13) - (112u << 10));
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;
  return sign | static_cast<uint16_t>(half);
}

float BFloat16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // NaN
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

namespace {

template <typename Out>
absl::Status ConvertTo(const TensorEntry& e, Out* out) {
  const int64_t n = e.numel();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = e.data + i * DTypeSize(e.dtype);
    switch (e.dtype) {
      case DType::kF32: {
        float v;
        std::memcpy(&v, p, 4);
        out[i] = static_cast<Out>(v);
        break;
      }
      case DType::kF64: {
        double v;
        std::memcpy(&v, p, 8);
        out[i] = static_cast<Out>(v);
        break;
      }
      case DType::kF16:
      case DType::kBF16: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        out[i] = static_cast<Out>(e.dtype == DType::kF16 ? HalfToFloat(v) : BFloat16ToFloat(v));
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("tensor '", e.name, "': dtype ",
                                                       std::string(DTypeName(e.dtype)),
                                                       " is not a float type"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConvertToFloat(const TensorEntry& e, float* out) { return ConvertTo(e, out); }
absl::Status ConvertToDouble(const TensorEntry& e, double* out) { return ConvertTo(e, out); }

void SafetensorsWriter::Add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            const void* bytes) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  Pending p{dtype, std::move(shape),
            std::string(static_cast<const char*>(bytes), numel * DTypeSize(dtype))};
  tensors_[name] = std::move(p);
}

void SafetensorsWriter::AddF32(const std::string& name, std::vector<int64_t> shape,
                               const std::vector<float>& values) {
  Add(name, DType::kF32, std::move(shape), values.data());
}

std::string SafetensorsWriter::Serialize() const {
  json header = json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& [name, p] : tensors_) {
    header[name] = {{"dtype", DTypeName(p.dtype)},
                    {"shape", p.shape},
                    {"data_offsets", {offset, offset + p.bytes.size()}}};
    offset += p.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data section 8-byte aligned
  std::string out(8, '\0');
  uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  out += text;
  for (const auto& [name, p] : tensors_) out += p.bytes;
  return out;
}

absl::Status SafetensorsWriter::WriteFile(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  const std::string bytes = Serialize();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace depthlab::engine
