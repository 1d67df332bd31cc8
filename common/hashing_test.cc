#include "common/hashing.h"

#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace depthlab {
namespace {

TEST(HashingTest, KnownDigestsAreStableAcrossRuns) {
  // Pinned values: a change here changes every evaluation key and invalidates stored caches.
  EXPECT_EQ(HashString("abc"), "c8b661d40648aefea925395b3333353b");
}

TEST(HashingTest, LengthPrefixSeparatesConcatenations) {
  ContentHasher x, y;
  x.Update("ab");
  x.Update("c");
  y.Update("a");
  y.Update("bc");
  EXPECT_NE(x.HexDigest(), y.HexDigest());
}

TEST(HashingTest, EveryByteMatters) {
  std::string s(1000, 'x');
  const std::string base = HashString(s);
  for (size_t i : {0u, 7u, 8u, 500u, 999u}) {
    std::string t = s;
    t[i] = 'y';
    EXPECT_NE(HashString(t), base) << i;
  }
}

TEST(HashingTest, FileHashEqualsHashOfItsBytesAndNamesAMissingFile) {
  ::depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("f.bin");
  std::string bytes(3 << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131);
  std::ofstream(path, std::ios::binary) << bytes;
  ContentHasher file, memory;
  ASSERT_TRUE(file.UpdateFile(path).ok());
  memory.Update(bytes);
  EXPECT_EQ(file.HexDigest(), memory.HexDigest());
  ContentHasher missing;
  const absl::Status s = missing.UpdateFile(dir.Sub("nope"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("nope"), absl::string_view::npos);
}

}  // namespace
}  // namespace depthlab
