#ifndef CLIENTBOOK_TESTS_SUPPORT_TEMP_DIR_H_
#define CLIENTBOOK_TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace clientbook::testing {

// A fresh directory under $TMPDIR, removed with everything in it on
// destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "clientbook-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_TEMP_DIR_H_
