#include "worker/engine/safetensors.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace depthlab::engine {
namespace {

using ::depthlab::testing::TempDir;
using ::testing::HasSubstr;

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file whose header is `json` (length-prefixed) followed by `data_bytes` zero bytes.
std::string RawFile(const std::string& json, size_t data_bytes) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  return out + json + std::string(data_bytes, '\0');
}

absl::Status OpenStatus(const TempDir& dir, const std::string& bytes) {
  WriteBytes(dir.Sub("x.safetensors"), bytes);
  return SafetensorsFile::Open(dir.Sub("x.safetensors")).status();
}

TEST(SafetensorsTest, RoundTripsTensorsAndMetadata) {
  TempDir dir;
  SafetensorsWriter w;
  w.AddF32("a", {2, 3}, {1, 2, 3, 4, 5, 6});
  const uint16_t halves[2] = {FloatToHalf(1.5f), FloatToHalf(-2.25f)};
  w.Add("b", DType::kF16, {2}, halves);
  w.SetMetadata("format", "pt");
  ASSERT_TRUE(w.WriteFile(dir.Sub("m.safetensors")).ok());

  auto file = SafetensorsFile::Open(dir.Sub("m.safetensors"));
  ASSERT_TRUE(file.ok()) << file.status();
  const TensorEntry* a = (*file)->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> values(6);
  ASSERT_TRUE(ConvertToFloat(*a, values.data()).ok());
  EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  std::vector<double> b(2);
  ASSERT_TRUE(ConvertToDouble(*(*file)->Find("b"), b.data()).ok());
  EXPECT_EQ(b, (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ((*file)->metadata().at("format"), "pt");
  EXPECT_EQ((*file)->Find("missing"), nullptr);
}

TEST(SafetensorsTest, HalfAndBfloat16ConversionsMatchKnownBits) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(1e6f), 0x7c00);                    // overflow -> inf
  EXPECT_EQ(FloatToHalf(5.960464477539063e-08f), 0x0001);  // smallest subnormal
  EXPECT_FLOAT_EQ(HalfToFloat(0x0001), 5.960464477539063e-08f);
  EXPECT_FLOAT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(FloatToBFloat16(3.14159f), 0x4049);
  EXPECT_FLOAT_EQ(BFloat16ToFloat(0x4049), 3.140625f);
  for (float f : {0.1f, -7.5f, 1234.5f, 1e-3f}) {
    EXPECT_NEAR(HalfToFloat(FloatToHalf(f)), f, std::abs(f) * 1e-3);
  }
}

TEST(SafetensorsTest, TruncatedFileIsRejectedNamingTheFile) {
  TempDir dir;
  absl::Status s = OpenStatus(dir, "abc");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("x.safetensors"));
  EXPECT_THAT(s.message(), HasSubstr("truncated"));
}

TEST(SafetensorsTest, HeaderLengthPastTheEndIsRejected) {
  TempDir dir;
  std::string bytes = RawFile("{}", 0);
  bytes[0] = static_cast<char>(0xff);  // claims a 255-byte header in a 10-byte file
  absl::Status s = OpenStatus(dir, bytes);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("header length 255 runs past the end"));
}

TEST(SafetensorsTest, MalformedEntriesNameTheTensor) {
  TempDir dir;
  struct Case {
    std::string json;
    size_t data;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"not json", 0, "not a JSON object"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 8, "outside the data section"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8, "need 8"},
      {R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8, "unknown dtype 'Q4'"},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "negative"},
      {R"({"w":{"dtype":"F32","shape":[2]}})", 8, "data_offsets must be"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
       R"("v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12, "overlapping"},
  };
  for (const Case& c : cases) {
    absl::Status s = OpenStatus(dir, RawFile(c.json, c.data));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(s.message(), HasSubstr(c.expected)) << c.json;
    if (c.json != "not json") {
      EXPECT_THAT(s.message(), HasSubstr("'w'")) << c.json;
    }
  }
}

TEST(SafetensorsTest, MissingFileIsNotFound) {
  EXPECT_EQ(SafetensorsFile::Open("/nonexistent/m.safetensors").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace depthlab::engine
