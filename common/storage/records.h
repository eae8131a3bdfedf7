#ifndef CLIENTBOOK_COMMON_STORAGE_RECORDS_H_
#define CLIENTBOOK_COMMON_STORAGE_RECORDS_H_

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/keys/key_codec.h"
#include "common/paging/paging.h"
#include "common/storage/database.h"

// Stored values are serialized protobuf records; these read them back.
namespace clientbook::storage {

// DATA_LOSS when the bytes are not a `Record`.
template <typename Record>
absl::StatusOr<Record> DecodeRecord(absl::string_view bytes) {
  Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("unreadable ", Record::descriptor()->name()));
  }
  return record;
}

// The record under `key`, or nullopt if there is none.
template <typename Record>
absl::StatusOr<std::optional<Record>> ReadRecord(const Database& db,
                                                 absl::string_view key) {
  absl::StatusOr<std::optional<std::string>> bytes = db.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  absl::StatusOr<Record> record = DecodeRecord<Record>(**bytes);
  if (!record.ok()) return record.status();
  return std::move(*record);
}

// The id ending the n-th last key under `prefix` (1 is the last): in an
// index whose keys end in growing ids, the n-th newest. nullopt when there
// are fewer; DATA_LOSS for a key that ends in no id.
inline absl::StatusOr<std::optional<uint64_t>> NthNewestIndexedId(
    const Database& db, absl::string_view prefix, size_t n) {
  absl::StatusOr<std::optional<std::string>> key = db.NthLastKey(prefix, n);
  if (!key.ok()) return key.status();
  if (!key->has_value()) return std::nullopt;
  std::optional<uint64_t> id = TrailingUint64(**key);
  if (!id.has_value()) return absl::DataLossError("an index key ends in no id");
  return id;
}

// The records under `keys`, read in one MultiGet: one entry a key, in the
// keys' order, nullopt where there is none.
template <typename Record>
absl::StatusOr<std::vector<std::optional<Record>>> ReadRecordsAt(
    const Database& db, const std::vector<std::string>& keys) {
  std::vector<std::optional<Record>> records;
  if (keys.empty()) return records;
  absl::StatusOr<std::vector<std::optional<std::string>>> found = db.MultiGet(keys);
  if (!found.ok()) return found.status();
  records.reserve(found->size());
  for (const std::optional<std::string>& bytes : *found) {
    if (!bytes.has_value()) {
      records.emplace_back();
      continue;
    }
    absl::StatusOr<Record> record = DecodeRecord<Record>(*bytes);
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
  }
  return records;
}

// The same, with the keys that have no record (removed since an index
// pointed at them) left out.
template <typename Record>
absl::StatusOr<std::vector<Record>> ReadRecords(const Database& db,
                                                const std::vector<std::string>& keys) {
  absl::StatusOr<std::vector<std::optional<Record>>> found =
      ReadRecordsAt<Record>(db, keys);
  if (!found.ok()) return found.status();
  std::vector<Record> records;
  records.reserve(found->size());
  for (std::optional<Record>& record : *found) {
    if (record.has_value()) records.push_back(*std::move(record));
  }
  return records;
}

// Reads the records of `keys` in order, 64 in a MultiGet, handing `visit`
// each one's place in `keys` and its record (nullopt: none) until it
// returns false: what a caller stops at is never read, nor held.
template <typename Record, typename Visit>
absl::Status VisitRecordsAt(const Database& db, const std::vector<std::string>& keys,
                            Visit visit) {
  constexpr size_t kKeysARead = 64;
  for (size_t at = 0; at < keys.size(); at += kKeysARead) {
    const std::vector<std::string> some(
        keys.begin() + at, keys.begin() + std::min(keys.size(), at + kKeysARead));
    absl::StatusOr<std::vector<std::optional<Record>>> read =
        ReadRecordsAt<Record>(db, some);
    if (!read.ok()) return read.status();
    for (size_t i = 0; i < read->size(); ++i) {
      if (!visit(at + i, (*read)[i])) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// ReadRecords of `keys` until the records read come to more than
// `max_bytes` (as stored): a caller that refuses so much never holds all of
// it.
template <typename Record>
absl::StatusOr<std::vector<Record>> ReadRecordsUpTo(const Database& db,
                                                    const std::vector<std::string>& keys,
                                                    size_t max_bytes) {
  std::vector<Record> records;
  size_t bytes = 0;
  absl::Status read =
      VisitRecordsAt<Record>(db, keys, [&](size_t, std::optional<Record>& record) {
        if (!record.has_value()) return true;
        bytes += record->ByteSizeLong();
        records.push_back(*std::move(record));
        return bytes <= max_bytes;
      });
  if (!read.ok()) return read;
  return records;
}

// Visits the records in [begin, end) in key order past the first `skip`
// (passed over, not decoded), each decoded and with its bytes as stored,
// while `visit` (StatusOr<bool>(Record, string_view)) answers true. A value
// that is not a `Record` ends the walk DATA_LOSS; an error `visit` answers
// ends it with that error.
template <typename Record, typename Visit>
absl::Status ScanRecords(const Database& db, absl::string_view begin,
                         absl::string_view end, Visit visit, size_t skip = 0) {
  absl::Status failed;
  size_t passed = 0;
  absl::Status scanned =
      db.Scan(begin, end, [&](absl::string_view, absl::string_view value) {
        if (passed < skip) {
          ++passed;
          return true;
        }
        absl::StatusOr<Record> record = DecodeRecord<Record>(value);
        if (!record.ok()) {
          failed = record.status();
          return false;
        }
        absl::StatusOr<bool> more = visit(*std::move(record), value);
        if (!more.ok()) {
          failed = more.status();
          return false;
        }
        return *more;
      });
  return scanned.ok() ? failed : scanned;
}

// The records under `prefix` in key order, past its first `skip` (passed
// over, not decoded), at most `limit`; DATA_LOSS for one that is not a
// `Record`.
template <typename Record>
absl::StatusOr<std::vector<Record>> ReadRecordsUnder(
    const Database& db, absl::string_view prefix, size_t skip = 0,
    size_t limit = std::numeric_limits<size_t>::max()) {
  std::vector<Record> records;
  absl::Status scanned = ScanRecords<Record>(
      db, prefix, PrefixSuccessor(prefix),
      [&](Record record, absl::string_view) -> absl::StatusOr<bool> {
        records.push_back(std::move(record));
        return records.size() < limit;
      },
      skip);
  if (!scanned.ok()) return scanned;
  return records;
}

// A scanned page whose values are `Record`s, decoded; DATA_LOSS for one that
// is not.
template <typename Record>
absl::StatusOr<StoredPage<Record>> DecodePage(absl::StatusOr<Database::RawPage> raw) {
  if (!raw.ok()) return raw.status();
  StoredPage<Record> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    absl::StatusOr<Record> record = DecodeRecord<Record>(value);
    if (!record.ok()) return record.status();
    page.items.push_back(std::move(*record));
  }
  return page;
}

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_RECORDS_H_
