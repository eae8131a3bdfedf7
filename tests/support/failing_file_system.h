#ifndef CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
#define CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "rocksdb/file_system.h"

namespace clientbook::testing {

// A file system (in memory, say) whose disk can break or fill: while
// `fault` is kBroken every append fails with an I/O error, while kFull with
// ENOSPC (RocksDB's NoSpace), as a disk with no byte left does.
class FailingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kBroken, kFull };

  explicit FailingFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : FileSystemWrapper(target) {}
  const char* Name() const override { return "FailingFileSystem"; }

  void Set(Fault fault) { *fault_ = fault; }

  rocksdb::IOStatus NewWritableFile(const std::string& name,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), fault_);
    return s;
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file,
         std::shared_ptr<std::atomic<Fault>> fault)
        : FSWritableFileOwnerWrapper(std::move(file)), fault_(std::move(fault)) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = Fails(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = Fails(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    rocksdb::IOStatus Fails() const {
      switch (fault_->load()) {
        case Fault::kBroken:
          return rocksdb::IOStatus::IOError("the disk is gone");
        case Fault::kFull:
          return rocksdb::IOStatus::NoSpace("No space left on device");
        case Fault::kNone:
          break;
      }
      return rocksdb::IOStatus::OK();
    }

    std::shared_ptr<std::atomic<Fault>> fault_;
  };

  std::shared_ptr<std::atomic<Fault>> fault_ =
      std::make_shared<std::atomic<Fault>>(Fault::kNone);
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
