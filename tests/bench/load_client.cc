// A load client in its own process, so it does not share the server's
// cores the way an in-process one does: calls one method of a running
// server with a fixed request from N threads at once, for each N asked,
// and prints calls per second, p50, p99 and the statuses that were not OK.
// Asserts nothing.
//   load_client --target=127.0.0.1:50051
//     --method=/clientbook.v1.DirectoryService/GetClient
//     --request='name: "firms/1001/clients/1002"' --header=x-user-id:alice
//     --in_flight=1,16,64 --seconds=3 [--label=GetClient]
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "clientbook/v1/billing.pb.h"
#include "clientbook/v1/changes.pb.h"
#include "clientbook/v1/directory.pb.h"
#include "clientbook/v1/import.pb.h"
#include "clientbook/v1/workspace.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_callback.h"
#include "tests/bench/watch_scan.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "host:port of the server");
ABSL_FLAG(std::string, method, "/grpc.health.v1.Health/Check", "the method's path");
ABSL_FLAG(std::string, request, "", "the request, in protobuf text format");
ABSL_FLAG(std::vector<std::string>, header, {},
          "metadata entries, key:value; {call} in a value becomes each call's "
          "number (a caller per call, e.g. x-user-id:owner-{call})");
ABSL_FLAG(std::vector<std::string>, in_flight,
          std::vector<std::string>({"1", "16", "64"}),
          "how many calls at once, one run each");
ABSL_FLAG(double, seconds, 3, "how long each run lasts");
ABSL_FLAG(int, channels, 1, "channels the calls are spread over");
ABSL_FLAG(double, warmup_seconds, 0.2, "calls made before each run, not counted");
ABSL_FLAG(std::string, label, "", "the name printed for the method");
ABSL_FLAG(std::string, requests_file, "",
          "requests in protobuf text format, one a line, instead of --request: "
          "caller t sends line t modulo their number, and each line's p99 is "
          "reported (e.g. one line per firm: the spread between firms)");
ABSL_FLAG(int, watchers, 0,
          "instead of unary calls: open this many WatchChanges streams with "
          "--request for --seconds and print events received and each event's "
          "delay from its commit (the server's clock: run on its machine)");
ABSL_FLAG(double, rate, 0,
          "calls a second in all (spread over the callers); 0: as fast as they go");
ABSL_FLAG(bool, once, false,
          "make one call and print its response as JSON (exit 1 if it fails)");

namespace {

struct Run {
  double calls_per_second = 0;
  absl::Duration p50, p99;
  std::map<grpc::StatusCode, int> failures;
  // With several requests, each one's p99.
  std::vector<absl::Duration> request_p99;
};

grpc::ByteBuffer Bytes(const std::string& data) {
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

absl::Duration P99(std::vector<absl::Duration> latencies) {
  std::sort(latencies.begin(), latencies.end());
  return latencies.empty() ? absl::ZeroDuration()
                           : latencies[latencies.size() * 99 / 100];
}

Run Measure(std::vector<std::unique_ptr<grpc::GenericStub>>& stubs,
            const std::string& method, const std::vector<std::string>& requests,
            const std::vector<std::pair<std::string, std::string>>& headers, int callers,
            absl::Duration length, std::atomic<int64_t>& call_numbers) {
  std::vector<std::vector<absl::Duration>> latencies(callers);
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> failures;
  const absl::Time end = absl::Now() + length;
  std::vector<std::thread> threads;
  const double rate = absl::GetFlag(FLAGS_rate);
  const absl::Duration pace =
      rate > 0 ? absl::Seconds(callers / rate) : absl::ZeroDuration();
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      grpc::GenericStub& stub = *stubs[t % stubs.size()];
      const std::string& request = requests[t % requests.size()];
      absl::Time next = absl::Now();
      while (absl::Now() < end) {
        if (pace > absl::ZeroDuration()) {
          absl::SleepFor(next - absl::Now());
          next += pace;
        }
        grpc::ClientContext ctx;
        const std::string call = absl::StrCat(call_numbers++);
        for (const auto& [key, value] : headers) {
          ctx.AddMetadata(key, absl::StrReplaceAll(value, {{"{call}", call}}));
        }
        grpc::ByteBuffer in = Bytes(request);
        grpc::ByteBuffer out;
        absl::Mutex done_mu;
        bool done = false;
        grpc::Status status;
        const absl::Time start = absl::Now();
        stub.UnaryCall(&ctx, method, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
          absl::MutexLock lock(&done_mu);
          status = std::move(s);
          done = true;
        });
        {
          absl::MutexLock lock(&done_mu);
          done_mu.Await(absl::Condition(&done));
        }
        latencies[t].push_back(absl::Now() - start);
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          ++failures[status.error_code()];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<absl::Duration> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Run run;
  run.failures = failures;
  if (all.empty()) return run;
  run.calls_per_second = all.size() / absl::ToDoubleSeconds(length);
  run.p50 = all[all.size() / 2];
  run.p99 = all[all.size() * 99 / 100];
  if (requests.size() > 1) {
    std::vector<std::vector<absl::Duration>> by_request(requests.size());
    for (int t = 0; t < callers; ++t) {
      auto& mine = by_request[t % requests.size()];
      mine.insert(mine.end(), latencies[t].begin(), latencies[t].end());
    }
    for (auto& l : by_request) run.request_p99.push_back(P99(std::move(l)));
  }
  return run;
}

// What one watch saw, merged once they end.
struct Seen {
  std::vector<absl::Duration> delays;
  uint64_t existing = 0;  // SNAPSHOT: the resources found
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  absl::Duration snapshot_time;  // to the snapshot's end
};

// One WatchChanges stream, read on gRPC's own threads as they receive (a
// thread of its own a stream would cost the watchers' process a thread
// switch a message, on the cores it shares with the server).
class WatchReader final : public grpc::ClientReadReactor<grpc::ByteBuffer> {
 public:
  WatchReader(bool snapshot, Seen& seen) : snapshot_(snapshot), seen_(seen) {}

  void Start() {
    opened_ = absl::Now();
    StartRead(&buffer_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok || !clientbook::bench::ScanWatchResponse(buffer_, response_)) return;
    const absl::Time now = absl::Now();
    if (response_.snapshot_complete) seen_.snapshot_time = now - opened_;
    if (snapshot_ && !response_.has_token) {
      seen_.existing += response_.events;
    } else if (!response_.commit_us.empty()) {
      seen_.first = std::min(seen_.first, now);
      seen_.last = now;
      for (const int64_t commit_us : response_.commit_us) {
        seen_.delays.push_back(now - absl::FromUnixMicros(commit_us));
      }
    }
    StartRead(&buffer_);
  }
  void OnDone(const grpc::Status&) override { done_.Notify(); }
  void AwaitDone() { done_.WaitForNotification(); }

 private:
  const bool snapshot_;
  Seen& seen_;
  absl::Time opened_;
  grpc::ByteBuffer buffer_;
  clientbook::bench::ScannedResponse response_;
  absl::Notification done_;
};

// Opens `watchers` WatchChanges streams and reads them for `length`, each
// response as bytes (ScanWatchResponse).
int Watch(const std::string& target, const std::string& request_text,
          const std::vector<std::pair<std::string, std::string>>& headers, int watchers,
          absl::Duration length) {
  clientbook::v1::WatchChangesRequest request;
  if (!google::protobuf::TextFormat::ParseFromString(request_text, &request)) {
    absl::FPrintF(stderr, "--request is not a WatchChangesRequest\n");
    return 2;
  }
  const bool snapshot = request.start() == clientbook::v1::WatchChangesRequest::SNAPSHOT;
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  const grpc::internal::RpcMethod method("/clientbook.v1.ChangeService/WatchChanges",
                                         grpc::internal::RpcMethod::SERVER_STREAMING);
  std::vector<Seen> seen(watchers);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<WatchReader>> readers;
  for (int w = 0; w < watchers; ++w) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    for (const auto& [key, value] : headers) contexts.back()->AddMetadata(key, value);
    readers.push_back(std::make_unique<WatchReader>(snapshot, seen[w]));
    grpc::internal::ClientCallbackReaderFactory<grpc::ByteBuffer>::Create(
        channel.get(), method, contexts.back().get(), &request, readers.back().get());
    readers.back()->Start();
  }
  absl::SleepFor(length);
  for (auto& context : contexts) context->TryCancel();
  for (auto& reader : readers) reader->AwaitDone();
  std::vector<absl::Duration> delays;
  uint64_t existing = 0;
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  absl::Duration snapshot_time;
  for (Seen& one : seen) {
    delays.insert(delays.end(), one.delays.begin(), one.delays.end());
    existing += one.existing;
    first = std::min(first, one.first);
    last = std::max(last, one.last);
    snapshot_time = std::max(snapshot_time, one.snapshot_time);
  }
  const uint64_t events = delays.size();
  std::sort(delays.begin(), delays.end());
  absl::PrintF("%d watchers: %d events in %.0f s (%.0f events/s)", watchers, events,
               absl::ToDoubleSeconds(length), events / absl::ToDoubleSeconds(length));
  if (!delays.empty()) {
    if (last > first) {
      absl::PrintF(", %.0f events/s while they flowed (%.2f s)",
                   events / absl::ToDoubleSeconds(last - first),
                   absl::ToDoubleSeconds(last - first));
    }
    absl::PrintF(", commit to receipt p50 %.1f ms p99 %.1f ms",
                 absl::ToDoubleMilliseconds(delays[delays.size() / 2]),
                 absl::ToDoubleMilliseconds(delays[delays.size() * 99 / 100]));
  }
  if (snapshot_time > absl::ZeroDuration()) {
    absl::PrintF("; snapshot: %d resources in %.2f s (%.0f/s)", existing,
                 absl::ToDoubleSeconds(snapshot_time),
                 existing / absl::ToDoubleSeconds(snapshot_time));
  }
  absl::PrintF("\n");
  return 0;
}

const google::protobuf::MethodDescriptor& MethodNamed(const std::string& path) {
  const std::string full =
      absl::StrReplaceAll(absl::StripPrefix(path, "/"), {{"/", "."}});
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
  if (descriptor == nullptr) {
    absl::FPrintF(stderr, "no method %s in the contracts\n", full);
    std::exit(2);
  }
  return *descriptor;
}

std::unique_ptr<google::protobuf::Message> New(const google::protobuf::Descriptor& type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
}

// The request's bytes: `text` parsed as the method's input message.
std::string RequestBytes(const std::string& method, const std::string& text) {
  const google::protobuf::MethodDescriptor* descriptor = &MethodNamed(method);
  std::unique_ptr<google::protobuf::Message> request = New(*descriptor->input_type());
  if (!google::protobuf::TextFormat::ParseFromString(text, request.get())) {
    absl::FPrintF(stderr, "--request is not a %s\n",
                  descriptor->input_type()->full_name());
    std::exit(2);
  }
  return request->SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Link the contracts so their descriptors are in the pool.
  clientbook::v1::GetClientRequest::descriptor();
  clientbook::v1::ListSubscriptionsRequest::descriptor();
  clientbook::v1::ListImportJobsRequest::descriptor();
  clientbook::v1::ListNotesRequest::descriptor();
  clientbook::v1::ListChangesRequest::descriptor();
  grpc::health::v1::HealthCheckRequest::descriptor();

  const std::string method = absl::GetFlag(FLAGS_method);
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& h : absl::GetFlag(FLAGS_header)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(h, absl::MaxSplits(':', 1));
    headers.push_back(kv);
  }
  if (const int watchers = absl::GetFlag(FLAGS_watchers); watchers > 0) {
    return Watch(absl::GetFlag(FLAGS_target), absl::GetFlag(FLAGS_request), headers,
                 watchers, absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  }
  std::vector<std::string> requests;
  if (const std::string file = absl::GetFlag(FLAGS_requests_file); !file.empty()) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) requests.push_back(RequestBytes(method, line));
    }
  } else {
    requests.push_back(RequestBytes(method, absl::GetFlag(FLAGS_request)));
  }
  const std::string& request = requests.front();
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("clientbook.load_client.channel", i);  // a channel of its own
    stubs.push_back(std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args)));
  }
  if (absl::GetFlag(FLAGS_once)) {
    grpc::ClientContext ctx;
    for (const auto& [key, value] : headers) ctx.AddMetadata(key, value);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::ByteBuffer in = Bytes(request);
    grpc::ByteBuffer out;
    absl::Notification done;
    grpc::Status status;
    stubs[0]->UnaryCall(&ctx, method, grpc::StubOptions(), &in, &out,
                        [&](grpc::Status s) {
                          status = std::move(s);
                          done.Notify();
                        });
    done.WaitForNotification();
    if (!status.ok()) {
      absl::FPrintF(stderr, "%s: code %d: %s\n", method,
                    static_cast<int>(status.error_code()), status.error_message());
      return 1;
    }
    std::unique_ptr<google::protobuf::Message> response =
        New(*MethodNamed(method).output_type());
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (out.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    std::string json;
    if (!response->ParseFromString(bytes) ||
        !google::protobuf::util::MessageToJsonString(*response, &json).ok()) {
      absl::FPrintF(stderr, "%s: the response does not parse\n", method);
      return 1;
    }
    absl::PrintF("%s\n", json);
    return 0;
  }
  std::string label = absl::GetFlag(FLAGS_label);
  if (label.empty()) label = method.substr(method.rfind('/') + 1);
  std::atomic<int64_t> call_numbers{0};
  for (const std::string& n : absl::GetFlag(FLAGS_in_flight)) {
    const int callers = std::max(1, std::atoi(n.c_str()));
    if (const double warmup = absl::GetFlag(FLAGS_warmup_seconds); warmup > 0) {
      Measure(stubs, method, requests, headers, callers, absl::Seconds(warmup),
              call_numbers);
    }
    const Run run = Measure(stubs, method, requests, headers, callers,
                            absl::Seconds(absl::GetFlag(FLAGS_seconds)), call_numbers);
    std::string failures;
    for (const auto& [code, count] : run.failures) {
      absl::StrAppend(&failures, " ", count, "x code ", static_cast<int>(code));
    }
    absl::PrintF("%-22s %3d in flight %9.0f calls/s  p50 %8.0f us  p99 %8.0f us%s\n",
                 label, callers, run.calls_per_second,
                 absl::ToDoubleMicroseconds(run.p50), absl::ToDoubleMicroseconds(run.p99),
                 failures);
    if (!run.request_p99.empty()) {
      const auto [fastest, slowest] =
          std::minmax_element(run.request_p99.begin(), run.request_p99.end());
      absl::PrintF(
          "%-22s %3zu requests: p99 fastest %.0f us, slowest %.0f us: spread %.2fx\n",
          label, run.request_p99.size(), absl::ToDoubleMicroseconds(*fastest),
          absl::ToDoubleMicroseconds(*slowest), absl::FDivDuration(*slowest, *fastest));
    }
  }
  return 0;
}
