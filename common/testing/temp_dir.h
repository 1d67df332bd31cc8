// A temporary directory removed (recursively) when the object dies. Test-only; not thread-safe.
#ifndef DEPTHLAB_COMMON_TESTING_TEMP_DIR_H_
#define DEPTHLAB_COMMON_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace depthlab::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "depthlab-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace depthlab::testing

#endif  // DEPTHLAB_COMMON_TESTING_TEMP_DIR_H_
