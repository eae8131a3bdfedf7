#ifndef CLIENTBOOK_TESTS_SUPPORT_CSV_STREAM_H_
#define CLIENTBOOK_TESTS_SUPPORT_CSV_STREAM_H_

#include <string>

#include "clientbook/v1/import.grpc.pb.h"
#include "grpcpp/support/sync_stream.h"

namespace clientbook::testing {

// What a CsvChunk stream (ExportClients, DownloadErrorReport) sent, joined,
// and how it ended.
struct CsvDownload {
  std::string csv;
  grpc::Status status;
  // Chunks received before the end, to tell "refused" from "empty".
  int chunks = 0;
};

inline CsvDownload ReadCsv(grpc::ClientReaderInterface<v1::CsvChunk>& reader) {
  CsvDownload out;
  v1::CsvChunk chunk;
  while (reader.Read(&chunk)) {
    out.csv += chunk.data();
    ++out.chunks;
  }
  out.status = reader.Finish();
  return out;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CSV_STREAM_H_
