#include "common/storage/rocksdb_reports.h"

#include <cstdarg>
#include <cstdio>

#include "spdlog/spdlog.h"

namespace clientbook::storage {
namespace {

class ServiceLog final : public rocksdb::Logger {
 public:
  ServiceLog() : Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  // Lines without a level are informational.
  void Logv(const char* /*format*/, va_list /*ap*/) override {}

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    // The header is the options dump of every open.
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    vsnprintf(line, sizeof(line), format, ap);
    if (level == rocksdb::InfoLogLevel::WARN_LEVEL) {
      spdlog::warn("rocksdb: {}", line);
    } else {
      spdlog::error("rocksdb: {}", line);
    }
  }
};

class ResumeWhenAsked final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                            rocksdb::Status /*bg_error*/, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> ServiceLogForRocksDb() {
  return std::make_shared<ServiceLog>();
}

std::shared_ptr<rocksdb::EventListener> ResumeOnlyWhenAsked() {
  return std::make_shared<ResumeWhenAsked>();
}

}  // namespace clientbook::storage
