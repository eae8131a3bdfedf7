#ifndef CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
#define CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/file_system.h"

namespace clientbook::testing {

// A file system (in memory, say) whose disk can break, fill or stall:
// while `fault` is kBroken every append fails with an I/O error, while
// kFull with ENOSPC (RocksDB's NoSpace), as a disk with no byte left does;
// while kStalled every append and every read of a file opened to be read
// through waits until the fault changes, as a disk that hangs (so a test
// can hold a backup or a verify half way).
class FailingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kBroken, kFull, kStalled };

  explicit FailingFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : FileSystemWrapper(target) {}
  const char* Name() const override { return "FailingFileSystem"; }

  void Set(Fault fault) {
    absl::MutexLock lock(&disk_->mu);
    disk_->fault = fault;
  }
  // Waits until `calls` appends or reads are stalled.
  void AwaitStalled(int calls) {
    Disk& disk = *disk_;
    absl::MutexLock lock(&disk.mu);
    auto stalled = [&disk, calls]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(disk.mu) {
      return disk.stalled >= calls;
    };
    disk.mu.Await(absl::Condition(&stalled));
  }
  int stalled() {
    absl::MutexLock lock(&disk_->mu);
    return disk_->stalled;
  }
  // Files opened to be read through (a verify reads each file of a backup).
  int files_read() {
    absl::MutexLock lock(&disk_->mu);
    return disk_->files_read;
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), disk_);
    return s;
  }
  rocksdb::IOStatus NewSequentialFile(const std::string& name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSSequentialFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewSequentialFile(name, options, file, dbg);
    if (s.ok()) {
      *file = std::make_unique<ReadFile>(std::move(*file), disk_);
      absl::MutexLock lock(&disk_->mu);
      ++disk_->files_read;
    }
    return s;
  }

 private:
  struct Disk {
    absl::Mutex mu;
    Fault fault ABSL_GUARDED_BY(mu) = Fault::kNone;
    int stalled ABSL_GUARDED_BY(mu) = 0;
    int files_read ABSL_GUARDED_BY(mu) = 0;

    // What an append or a read gets, once the disk no longer stalls.
    rocksdb::IOStatus Fails() {
      absl::MutexLock lock(&mu);
      ++stalled;
      auto going = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        return fault != Fault::kStalled;
      };
      mu.Await(absl::Condition(&going));
      --stalled;
      switch (fault) {
        case Fault::kBroken:
          return rocksdb::IOStatus::IOError("the disk is gone");
        case Fault::kFull:
          return rocksdb::IOStatus::NoSpace("No space left on device");
        case Fault::kNone:
        case Fault::kStalled:
          break;
      }
      return rocksdb::IOStatus::OK();
    }
  };

  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<Disk> disk)
        : FSWritableFileOwnerWrapper(std::move(file)), disk_(std::move(disk)) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = disk_->Fails(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = disk_->Fails(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    std::shared_ptr<Disk> disk_;
  };

  class ReadFile final : public rocksdb::FSSequentialFileOwnerWrapper {
   public:
    ReadFile(std::unique_ptr<rocksdb::FSSequentialFile> file, std::shared_ptr<Disk> disk)
        : FSSequentialFileOwnerWrapper(std::move(file)), disk_(std::move(disk)) {}
    rocksdb::IOStatus Read(size_t n, const rocksdb::IOOptions& options,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = disk_->Fails(); !s.ok()) return s;
      return FSSequentialFileOwnerWrapper::Read(n, options, result, scratch, dbg);
    }

   private:
    std::shared_ptr<Disk> disk_;
  };

  std::shared_ptr<Disk> disk_ = std::make_shared<Disk>();
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
