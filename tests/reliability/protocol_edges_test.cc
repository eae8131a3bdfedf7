// The gRPC protocol's edges, tried against the real binaries as a careless
// or hostile caller would: request bytes that are not the message (every
// method of every service at every address, from the descriptors),
// well-formed requests holding hostile values, metadata far over
// the limit on a channel other calls share, reflection of the error
// details every refusal carries, and sockets that connect and never speak.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clientbook/v1/backup.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/reconcile.pb.h"
#include "common/server/status_mapping.h"
#include "common/server/thread_limit.h"
#include "common/status/errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/await_status.h"
#include "tests/support/cells.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/loopback.h"
#include "tests/support/random_message.h"
#include "tests/support/raw_call.h"
#include "tests/support/raw_http2.h"
#include "tests/support/seed_firm.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using testing::As;
using testing::RawCall;

std::string Tag(int field, WireFormatLite::WireType type) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(field, type));
  coded.Trim();
  return out;
}

// A length-delimited field `field` holding `bytes`.
std::string Field(int field, const std::string& bytes) {
  std::string out = Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  out += static_cast<char>(bytes.size());  // < 128 here
  return out + bytes;
}

// Byte strings that are no valid message of `type`, each with what is
// wrong with it.
std::vector<std::pair<std::string, std::string>> MalformedBytes(
    const google::protobuf::Descriptor& type) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"bad wire type", std::string("\x0f\x01", 2)},
      {"truncated length", std::string("\x0a\x05"
                                       "ab",
                                       4)},
  };
  std::string groups;
  for (int i = 0; i < 100000; ++i) groups += Tag(1, WireFormatLite::WIRETYPE_START_GROUP);
  out.emplace_back("group nested 100,000 deep", groups);
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* f = type.field(i);
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      out.emplace_back(absl::StrCat("invalid UTF-8 in ", f->name()),
                       Field(f->number(), "\xc3\x28"));
      break;
    }
  }
  return out;
}

class ProtocolEdgesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Links reconcile.proto and backup.proto in, so the pool can describe
    // them: no code here calls those contracts but by name.
    ASSERT_NE(v1::ReconcileRequest::descriptor(), nullptr);
    ASSERT_NE(v1::CreateBackupRequest::descriptor(), nullptr);
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
  }

  static const google::protobuf::ServiceDescriptor* Describe(const std::string& service) {
    return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  }

  testing::Cluster cluster_;
};

TEST_F(ProtocolEdgesTest, EveryMethodAnswersMalformedBytesInvalidArgument) {
  int calls = 0;
  for (const testing::Cluster::ServiceAt& endpoint : cluster_.Services()) {
    const google::protobuf::ServiceDescriptor* service = Describe(endpoint.service);
    ASSERT_NE(service, nullptr) << endpoint.service;
    auto channel = testing::Channel(endpoint.target);
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      const std::string path = absl::StrCat("/", endpoint.service, "/", method->name());
      for (const auto& [what, bytes] : MalformedBytes(*method->input_type())) {
        SCOPED_TRACE(absl::StrCat(path, " at ", endpoint.target, ": ", what));
        testing::RawAnswer answer =
            RawCall(channel, path, bytes, {{"x-user-id", "alice"}});
        ++calls;
        EXPECT_THAT(answer.status, StatusIs(absl::StatusCode::kInvalidArgument))
            << answer.status.error_message();
        EXPECT_TRUE(absl::StrContains(
            answer.status.error_message(),
            absl::StrCat("request is not a valid ", method->input_type()->full_name())))
            << answer.status.error_message();
        EXPECT_TRUE(answer.responses.empty());
      }
    }
  }
  std::printf("malformed requests: %d, every one INVALID_ARGUMENT\n", calls);
}

// Well-formed requests holding what a careless or hostile caller sends
// (random_message.h: edge numbers, unknown enum numbers, 100 KB strings,
// timestamps out of range, 1,001 entries, names of the caller's own firm,
// of another firm and of none), as a firm's primary admin, one call in four
// also holding the operator's and platform's roles so that the
// operator-only methods (backups among them) and the all-firms watch read
// them too; to the three services and to accounts following the directory
// as a cell's, each of their services at each of their addresses. Each is
// answered with a status a caller can act on — never INTERNAL, UNKNOWN,
// DATA_LOSS or a unary call left to its deadline (a deadlock) — whose
// details parse, and every service serves on after.
// CLIENTBOOK_HOSTILE_SEED picks other messages than the default ones.
class HostileRequestsTest : public ProtocolEdgesTest {
 protected:
  void SetUp() override {
    ProtocolEdgesTest::SetUp();
    accounts_ = testing::AccountsFollowing(
        accounts_dir_, absl::StrCat("0=", cluster_.directory_target()), accounts_target_,
        accounts_operator_target_);
    ASSERT_TRUE(accounts_->Start() && accounts_->WaitServing(accounts_target_))
        << accounts_->Log();
    testing::SeededFirm firm = testing::SeedFirm(*cluster_.directory, 3);
    ASSERT_THAT(firm.status, IsOk());
    v1::Firm other;
    ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "bob", &other), IsOk());
    names_ = {firm.name,
              absl::StrCat(firm.name, "/members/alice"),
              absl::StrCat(firm.name, "/members/alice/clientListView"),
              absl::StrCat(firm.name, "/importJobs/1"),
              absl::StrCat(firm.name, "/notes/1"),
              absl::StrCat(firm.name, "/todos/1"),
              other.name(),
              absl::StrCat(other.name(), "/clients/1"),
              "users/alice"};
    for (const std::string& company : firm.company_ids) {
      const std::string client = absl::StrCat(firm.name, "/clients/", company);
      names_.insert(names_.end(), {client, absl::StrCat(client, "/subscription"),
                                   absl::StrCat(client, "/subscription/transfer")});
    }
    const char* seed = std::getenv("CLIENTBOOK_HOSTILE_SEED");
    seed_ = seed != nullptr ? std::strtoull(seed, nullptr, 10) : 1;
    std::printf("hostile requests from seed %llu\n",
                static_cast<unsigned long long>(seed_));
    for (const testing::Cluster::ServiceAt& endpoint : cluster_.Services()) {
      AddMethods(endpoint.target, endpoint.service);
    }
    AddMethods(accounts_target_, "clientbook.v1.DirectoryService",
               {"ListMyFirms", "CreateInvitation", "ListInvitations", "AcceptInvitation",
                "DeclineInvitation"});
    AddMethods(accounts_target_, "clientbook.v1.ChangeService");
    AddMethods(accounts_operator_target_, "clientbook.v1.BackupService");
  }

  // The methods of `service` at `target` to call: those in `only`, or all.
  void AddMethods(const std::string& target, const std::string& service_name,
                  const std::set<std::string>& only = {}) {
    const google::protobuf::ServiceDescriptor* service = Describe(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    auto channel = testing::Channel(target);
    for (int m = 0; m < service->method_count(); ++m) {
      if (only.empty() || only.contains(service->method(m)->name())) {
        methods_.push_back({service->method(m), channel});
      }
    }
  }

  // A method and a channel to an address serving it.
  struct Method {
    const google::protobuf::MethodDescriptor* descriptor;
    std::shared_ptr<grpc::Channel> channel;
  };

  // One request of `messages` to `method`; what it was answered.
  grpc::StatusCode CallHostile(const Method& called, testing::RandomMessages& messages,
                               bool as_operator) {
    const google::protobuf::MethodDescriptor& method = *called.descriptor;
    std::unique_ptr<google::protobuf::Message> request(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(method.input_type())
            ->New());
    messages.Fill(*request);
    const std::string path =
        absl::StrCat("/", method.service()->full_name(), "/", method.name());
    SCOPED_TRACE(absl::StrCat(path, " ", request->ShortDebugString().substr(0, 600)));
    std::multimap<std::string, std::string> caller = {{"x-user-id", "alice"}};
    if (as_operator) caller.emplace("x-user-roles", "operator,platform");
    // A watch streams until its deadline; nothing else may take one.
    const auto deadline = method.server_streaming() ? std::chrono::milliseconds(300)
                                                    : std::chrono::seconds(20);
    testing::RawAnswer answer =
        RawCall(called.channel, path, request->SerializeAsString(), caller, deadline);
    const grpc::StatusCode code = answer.status.error_code();
    EXPECT_NE(code, grpc::StatusCode::INTERNAL) << answer.status.error_message();
    EXPECT_NE(code, grpc::StatusCode::UNKNOWN) << answer.status.error_message();
    EXPECT_NE(code, grpc::StatusCode::DATA_LOSS) << answer.status.error_message();
    EXPECT_NE(code, grpc::StatusCode::UNIMPLEMENTED) << answer.status.error_message();
    if (!method.server_streaming()) {
      EXPECT_NE(code, grpc::StatusCode::DEADLINE_EXCEEDED);
    }
    google::rpc::Status details;
    EXPECT_TRUE(answer.status.error_details().empty() ||
                details.ParseFromString(answer.status.error_details()));
    // AIP-193: an error the service answers carries exactly one ErrorInfo (a
    // stream's own deadline is the caller's, not an answer).
    if (code != grpc::StatusCode::OK && code != grpc::StatusCode::DEADLINE_EXCEEDED) {
      EXPECT_EQ(absl::c_count_if(details.details(),
                                 [](const google::protobuf::Any& any) {
                                   return any.Is<google::rpc::ErrorInfo>();
                                 }),
                1)
          << answer.status.error_message();
    }
    return code;
  }

  void ExpectServing() {
    for (const std::string& target :
         {cluster_.directory_target(), cluster_.billing_target(),
          cluster_.import_target(), accounts_target_}) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      grpc::health::v1::HealthCheckResponse health;
      EXPECT_THAT(grpc::health::v1::Health::NewStub(testing::Channel(target))
                      ->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &health),
                  IsOk())
          << target;
      EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING)
          << target;
    }
  }

  static void Print(const std::map<grpc::StatusCode, int>& codes) {
    for (const auto& [code, count] : codes) std::printf("code %d: %d\n", code, count);
  }

  std::vector<std::string> names_;
  uint64_t seed_ = 1;
  std::vector<Method> methods_;
  testing::TempDir accounts_dir_;
  std::string accounts_target_ = absl::StrCat("127.0.0.1:", testing::FreePort());
  std::string accounts_operator_target_ = absl::StrCat("127.0.0.1:", testing::FreePort());
  std::unique_ptr<testing::ServiceProcess> accounts_;
};

TEST_F(HostileRequestsTest, EveryMethodAnswersFortyHostileRequestsClearly) {
  testing::RandomMessages messages(seed_, names_);
  std::map<grpc::StatusCode, int> codes;
  for (const Method& method : methods_) {
    for (int i = 0; i < 40; ++i) ++codes[CallHostile(method, messages, i % 4 == 3)];
  }
  Print(codes);
  ExpectServing();
}

// The same requests from 64 callers at once, each to methods picked at
// random, so that merges, deletions, batch updates, transfers and imports
// of one firm race each other and their reads.
TEST_F(HostileRequestsTest, SixtyFourRacingCallersAreAnsweredClearly) {
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::thread> callers;
  for (int t = 0; t < 64; ++t) {
    callers.emplace_back([&, t] {
      testing::RandomMessages messages(seed_ * 1000 + t, names_);
      std::mt19937_64 pick(seed_ * 1000 + t);
      for (int i = 0; i < 40; ++i) {
        const Method& method = methods_[pick() % methods_.size()];
        const grpc::StatusCode code = CallHostile(method, messages, i % 4 == 3);
        absl::MutexLock lock(&mu);
        ++codes[code];
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  Print(codes);
  ExpectServing();
}

// A compressed request is refused from its headers at every address, and
// the same call uncompressed is served on the same connection: gRPC 1.51
// inflates a message whole before checking its size, and a gzip request of
// 972 KB inflated to 1 GB in the directory.
TEST_F(ProtocolEdgesTest, CompressedRequestsAreRefusedUninflatedAtEveryAddress) {
  std::set<std::string> targets;
  for (const testing::Cluster::ServiceAt& endpoint : cluster_.Services()) {
    targets.insert(endpoint.target);
  }
  for (const std::string& target : targets) {
    SCOPED_TRACE(target);
    auto health = grpc::health::v1::Health::NewStub(testing::Channel(target));
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext compressed;
    compressed.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    const grpc::Status refused =
        health->Check(&compressed, grpc::health::v1::HealthCheckRequest(), &response);
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnimplemented));
    EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("'gzip' is disabled"));
    grpc::ClientContext plain;
    EXPECT_THAT(health->Check(&plain, grpc::health::v1::HealthCheckRequest(), &response),
                IsOk());
  }
}

// A header no proxy would forward is refused for its own call; the
// connection, and every call sharing it, goes on.
TEST_F(ProtocolEdgesTest, OversizedMetadataEndsItsCallAloneNotTheConnection) {
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "alice", &firm), IsOk());

  for (const char* service : {"directory", "billing", "import"}) {
    SCOPED_TRACE(service);
    const std::string target =
        service == std::string("directory") ? cluster_.directory_target()
        : service == std::string("billing") ? cluster_.billing_target()
                                            : cluster_.import_target();
    auto channel = testing::Channel(target);
    auto call = [&](const std::string& user) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("x-user-id", user);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      if (service == std::string("directory")) {
        v1::GetFirmRequest req;
        req.set_name(firm.name());
        v1::Firm out;
        return v1::DirectoryService::NewStub(channel)->GetFirm(&ctx, req, &out);
      }
      if (service == std::string("billing")) {
        v1::ListSubscriptionsRequest req;
        req.set_parent(firm.name());
        v1::ListSubscriptionsResponse out;
        return v1::BillingService::NewStub(channel)->ListSubscriptions(&ctx, req, &out);
      }
      v1::ListImportJobsRequest req;
      req.set_parent(firm.name());
      v1::ListImportJobsResponse out;
      return v1::ImportService::NewStub(channel)->ListImportJobs(&ctx, req, &out);
    };
    ASSERT_THAT(call("alice"), IsOk());

    constexpr int kCallers = 100;
    std::atomic<int> failed = 0;
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&] {
        for (int round = 0; round < 5; ++round) {
          if (grpc::Status s = call("alice"); !s.ok()) {
            ++failed;
            ADD_FAILURE() << s.error_code() << " " << s.error_message();
          }
        }
      });
    }
    for (int kib : {8, 64}) {
      grpc::Status big = call(std::string(kib * 1024, 'a'));
      EXPECT_THAT(big, StatusIs(absl::StatusCode::kResourceExhausted))
          << kib << " KiB: " << big.error_message();
    }
    for (std::thread& t : callers) t.join();
    EXPECT_EQ(failed, 0);
    EXPECT_THAT(call("alice"), IsOk()) << "the channel did not survive";
  }
}

// A caller holding uploads open without end would take the memory every
// firm is served from (2,000 held open took the import service from 35 to
// 489 MB, before the bound). Past 100 open streams (--max_streams_per_caller)
// its next is refused at once, and every other caller is served as before.
TEST_F(ProtocolEdgesTest, OneCallersStreamsHeldOpenAreBoundedAndOthersServed) {
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "alice", &firm), IsOk());
  v1::UploadImportRequest upload;
  upload.set_parent(firm.name());
  // A whole file's worth, and no CSV: an upload read to its end is
  // refused INVALID_ARGUMENT for what it holds.
  upload.set_csv(std::string(100 * 1000, 'a'));
  struct Held {
    std::unique_ptr<grpc::ClientContext> context;
    v1::ImportJob job;
    std::unique_ptr<grpc::ClientWriter<v1::UploadImportRequest>> writer;
  };
  std::vector<Held> held(100);
  for (Held& h : held) {
    h.context = As("mallory");  // a member of no firm
    h.writer = cluster_.import->UploadImport(h.context.get(), &h.job);
    // An upload's headers come once it is admitted.
    h.writer->WaitForInitialMetadata();
    ASSERT_TRUE(h.writer->Write(upload));
  }
  auto upload_once = [&](const std::string& caller) {
    v1::ImportJob job;
    auto context = As(caller);
    auto writer = cluster_.import->UploadImport(context.get(), &job);
    writer->Write(upload);
    writer->WritesDone();
    return writer->Finish();
  };
  const grpc::Status refused = upload_once("mallory");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  const absl::Status mapped = FromGrpcStatus(refused);
  EXPECT_EQ(errors::ReasonOf(mapped), "TOO_MANY_STREAMS_OF_CALLER") << mapped;
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("already has 100"));
  EXPECT_EQ(errors::RetryDelayOf(mapped), absl::Seconds(1));

  // Others are served: alice uploads, and exports her firm.
  EXPECT_THAT(upload_once("alice"), StatusIs(absl::StatusCode::kInvalidArgument));
  v1::ExportClientsRequest export_request;
  export_request.set_parent(firm.name());
  auto export_context = As("alice");
  EXPECT_THAT(testing::ReadCsv(
                  *cluster_.import->ExportClients(export_context.get(), export_request))
                  .status,
              IsOk());

  // Once mallory's uploads end, mallory's next is read again. (Each is
  // answered once its place is given back; a cancelled one's place would
  // be given back whenever the server reads the cancel.)
  for (Held& h : held) {
    h.writer->WritesDone();
    EXPECT_THAT(h.writer->Finish(), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(upload_once("mallory"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// The bytes of the FileDescriptorProtos a reflection answer carries.
std::vector<std::string> ReflectedFiles(const std::string& response) {
  std::vector<std::string> files;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(response.data()), response.size());
  while (uint32_t tag = in.ReadTag()) {
    // ServerReflectionResponse.file_descriptor_response = 4
    if (WireFormatLite::GetTagFieldNumber(tag) != 4) {
      if (!WireFormatLite::SkipField(&in, tag)) break;
      continue;
    }
    std::string nested;
    if (!WireFormatLite::ReadBytes(&in, &nested)) break;
    google::protobuf::io::CodedInputStream inner(
        reinterpret_cast<const uint8_t*>(nested.data()), nested.size());
    while (uint32_t t = inner.ReadTag()) {
      std::string file;
      if (WireFormatLite::GetTagFieldNumber(t) == 1 &&
          WireFormatLite::ReadBytes(&inner, &file)) {
        files.push_back(std::move(file));
      } else if (!WireFormatLite::SkipField(&inner, t)) {
        break;
      }
    }
  }
  return files;
}

TEST_F(ProtocolEdgesTest, ReflectionDescribesTheErrorDetailsOnEveryService) {
  for (const std::string& target :
       {cluster_.directory_target(), cluster_.billing_target(), cluster_.import_target(),
        cluster_.operator_target()}) {
    for (const char* symbol :
         {"google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.ResourceInfo",
          "google.rpc.RetryInfo", "google.rpc.QuotaFailure"}) {
      SCOPED_TRACE(absl::StrCat(target, " ", symbol));
      // ServerReflectionRequest.file_containing_symbol = 4
      testing::RawAnswer answer =
          RawCall(testing::Channel(target),
                  "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                  Field(4, symbol));
      ASSERT_THAT(answer.status, IsOk()) << answer.status.error_message();
      ASSERT_EQ(answer.responses.size(), 1u);
      bool described = false;
      for (const std::string& bytes : ReflectedFiles(answer.responses[0])) {
        google::protobuf::FileDescriptorProto file;
        ASSERT_TRUE(file.ParseFromString(bytes));
        for (const auto& message : file.message_type()) {
          described |= absl::StrCat(file.package(), ".", message.name()) == symbol;
        }
      }
      EXPECT_TRUE(described);
    }
  }
}

// A directory on `target` with its store in `dir`, started by a shell that
// first runs `setup` (a limit to lower, a cgroup to join) in the process
// that then becomes the directory.
std::unique_ptr<testing::ServiceProcess> DirectoryAfter(const std::string& setup,
                                                        const std::string& target,
                                                        const testing::TempDir& dir,
                                                        std::vector<std::string> flags) {
  std::vector<std::string> args = {"-c",
                                   setup + " && exec \"$0\" \"$@\"",
                                   DIRECTORY_BINARY,
                                   "--listen=" + target,
                                   "--data_dir=" + dir.Sub("data"),
                                   "--metrics_listen="};
  args.insert(args.end(), flags.begin(), flags.end());
  return std::make_unique<testing::ServiceProcess>("/bin/sh", std::move(args),
                                                   dir.Sub("directory.log"));
}

// Sockets that connect and never speak hold a file descriptor each until
// their handshake times out (--handshake_timeout; gRPC's own is 2 minutes).
// Started under a soft limit of 256 open files, the service raises it to
// the hard one, so 300 of them do not use its files up, and other callers
// are served meanwhile; then it closes them. (A listener of gRPC 1.51 that
// once finds no file left for a connection never accepts one again.)
TEST(ConnectionLimitsTest, SocketsThatNeverSpeakAreClosedAndOthersServedMeanwhile) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  const auto directory =
      DirectoryAfter("ulimit -S -n 256", target, dir, {"--handshake_timeout=1s"});
  ASSERT_TRUE(directory->Start());
  ASSERT_TRUE(directory->WaitServing(target)) << directory->Log();
  auto stub = v1::DirectoryService::NewStub(testing::Channel(target));
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub, "alice", &firm), IsOk());

  std::vector<pollfd> idle;
  for (int i = 0; i < 300; ++i) {
    const int fd = testing::ConnectToLoopback(port);
    ASSERT_GE(fd, 0);
    idle.push_back({.fd = fd, .events = POLLIN, .revents = 0});
  }
  // A connection of its own (channels share one by default), which the
  // service must accept after those.
  grpc::ChannelArguments own;
  own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto fresh = v1::DirectoryService::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), own));
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-user-id", "alice");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetFirmRequest get;
  get.set_name(firm.name());
  v1::Firm got;
  EXPECT_THAT(fresh->GetFirm(&ctx, get, &got), IsOk()) << directory->Log();

  // Each idle socket is closed from the service's side: it reads as ended.
  int open = static_cast<int>(idle.size());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (open > 0 && std::chrono::steady_clock::now() < give_up) {
    poll(idle.data(), idle.size(), 500);
    for (pollfd& p : idle) {
      char byte;
      if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP)) && recv(p.fd, &byte, 1, 0) <= 0) {
        close(p.fd);
        p.fd = -1;  // poll() skips it from now on
        --open;
      }
    }
  }
  EXPECT_EQ(open, 0) << "idle sockets the service kept";
  for (const pollfd& p : idle) {
    if (p.fd >= 0) close(p.fd);
  }
}

// A peer that stops answering without closing its connection (its node
// lost, its process frozen: its kernel still acknowledges every byte, so
// TCP never gives up) is found by the server's pings and dropped with its
// watches, where before it held them for as long as the connection lived;
// a peer that answers keeps its watch.
TEST(ConnectionLimitsTest, APeerThatStopsAnsweringIsDroppedWithItsWatches) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  const auto directory =
      DirectoryAfter("true", target, dir,
                     {"--drain_delay=0s", "--keepalive_time=1s", "--keepalive_timeout=1s",
                      "--max_watchers_per_caller=1", "--change_progress_interval=1s"});
  ASSERT_TRUE(directory->Start());
  ASSERT_TRUE(directory->WaitServing(target)) << directory->Log();
  auto stub = v1::DirectoryService::NewStub(testing::Channel(target));
  v1::Firm alices;
  v1::Firm bobs;
  ASSERT_THAT(testing::CreateFirmAs(*stub, "alice", &alices), IsOk());
  ASSERT_THAT(testing::CreateFirmAs(*stub, "bob", &bobs), IsOk());
  auto changes = v1::ChangeService::NewStub(testing::Channel(target));
  auto watch_of = [](const v1::Firm& firm) {
    v1::WatchChangesRequest watch;
    watch.set_parent(firm.name());
    return watch;
  };
  // Whether alice may open a watch now (her one is not held elsewhere).
  auto alice_may_watch = [&] {
    grpc::ClientContext context;
    context.AddMetadata("x-user-id", "alice");
    auto stream = changes->WatchChanges(&context, watch_of(alices));
    v1::WatchChangesResponse first;
    if (!stream->Read(&first)) return stream->Finish();
    context.TryCancel();
    stream->Finish();
    return grpc::Status::OK;
  };

  // bob watches with a real client, which answers pings.
  grpc::ClientContext bob;
  bob.AddMetadata("x-user-id", "bob");
  auto bobs_watch = changes->WatchChanges(&bob, watch_of(bobs));
  v1::WatchChangesResponse message;
  ASSERT_TRUE(bobs_watch->Read(&message));
  // alice's watch on a connection that then says nothing again.
  testing::StalledReader frozen(port);
  ASSERT_TRUE(frozen.Call("/clientbook.v1.ChangeService/WatchChanges",
                          watch_of(alices).SerializeAsString(), {{"x-user-id", "alice"}},
                          1));
  const grpc::Status held = testing::AwaitStatus(
      alice_may_watch, [](const grpc::Status& s) { return !s.ok(); }, absl::Seconds(10));
  EXPECT_THAT(held, StatusIs(absl::StatusCode::kResourceExhausted))
      << "the frozen connection's watch was never counted";

  const absl::Time frozen_at = absl::Now();
  const grpc::Status freed =
      testing::AwaitStatus(alice_may_watch, testing::StatusOk, absl::Seconds(20));
  EXPECT_THAT(freed, IsOk()) << "the frozen connection still holds alice's watch";
  std::printf("a frozen peer's watch let go after %s\n",
              absl::FormatDuration(absl::Now() - frozen_at).c_str());
  // bob's watch lived through the same pings: its progress still comes.
  EXPECT_TRUE(bobs_watch->Read(&message));
  bob.TryCancel();
  bobs_watch->Finish();
}

// Connections are files: a service started under a soft limit below the
// hard one (a login shell's 1,024) raises it.
TEST(ConnectionLimitsTest, AServiceRaisesItsOpenFilesLimitToTheHardOne) {
  testing::TempDir dir;
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  const auto directory = DirectoryAfter("ulimit -S -n 64", target, dir, {});
  ASSERT_TRUE(directory->Start());
  ASSERT_TRUE(directory->WaitServing(target)) << directory->Log();
  rlimit hard{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &hard), 0);
  std::ifstream limits(absl::StrCat("/proc/", directory->pid(), "/limits"));
  std::string line;
  std::string files;
  while (std::getline(limits, line)) {
    if (absl::StartsWith(line, "Max open files")) files = line;
  }
  // "Max open files  <soft>  <hard>  files"
  const std::vector<std::string> fields = absl::StrSplit(files, ' ', absl::SkipEmpty());
  ASSERT_EQ(fields.size(), 6u) << files;
  EXPECT_EQ(fields[3], fields[4]) << files;
  EXPECT_EQ(fields[4], std::to_string(hard.rlim_max)) << files;
}

// A pids cgroup of this test's own (v1's pids hierarchy, or v2's with the
// pids controller on), limited to `limit` tasks; removed at the end.
class PidsCgroup {
 public:
  explicit PidsCgroup(int limit) {
    const std::string name = absl::StrCat("clientbook-test-", getpid());
    for (const std::string mount : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"}) {
      const std::string dir = mount + "/" + name;
      if (mkdir(dir.c_str(), 0755) != 0) continue;
      // The kernel gives a cgroup with the pids controller its pids.max at
      // once; a plain directory (a tmpfs where no hierarchy is mounted)
      // has none.
      if (std::filesystem::exists(dir + "/pids.max") && std::ofstream(dir + "/pids.max")
                                                            << limit << std::flush) {
        dir_ = dir;
        return;
      }
      rmdir(dir.c_str());
    }
  }
  ~PidsCgroup() {
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  bool ok() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  // How often a task of the cgroup could not be started (pids.events).
  int Refusals() const {
    std::ifstream events(dir_ + "/pids.events");
    std::string key;
    int count = 0;
    events >> key >> count;
    return count;
  }

 private:
  std::string dir_;
};

// Each open stream and change watch holds a thread. Under a limit on the
// threads a process may run (a pod's pids limit) their bounds shrink to
// fit it, so watches past it are refused RESOURCE_EXHAUSTED and no thread
// of gRPC's fails to start. Before, the watches took every thread the
// cgroup allowed: gRPC lost calls and the directory never finished
// stopping at SIGTERM. Needs a pids cgroup it may create (root).
TEST(ThreadLimitsTest, UnderAPidsLimitWatchesPastItAreRefusedAndTheServiceStillStops) {
  // Room for 122 streams and watches beside the process's other threads.
  PidsCgroup cgroup(static_cast<int>(server::ThreadsBesideStreams(
                        static_cast<int>(std::thread::hardware_concurrency()))) +
                    122);
  if (!cgroup.ok()) GTEST_SKIP() << "no pids cgroup may be created here";
  testing::TempDir dir;
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  const auto directory =
      DirectoryAfter("echo $$ > " + cgroup.dir() + "/cgroup.procs", target, dir,
                     {"--drain_delay=0s", "--max_watchers_per_caller=1000"});
  ASSERT_TRUE(directory->Start());
  ASSERT_TRUE(directory->WaitServing(target)) << directory->Log();
  EXPECT_TRUE(absl::StrContains(directory->Log(), "serving at most")) << directory->Log();
  auto stub = v1::DirectoryService::NewStub(testing::Channel(target));
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub, "alice", &firm), IsOk());

  auto changes = v1::ChangeService::NewStub(testing::Channel(target));
  v1::WatchChangesRequest watch;
  watch.set_parent(firm.name());
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchChangesResponse>>> streams;
  int served = 0;
  std::map<grpc::StatusCode, int> refused;
  for (int i = 0; i < 300; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->AddMetadata("x-user-id", "alice");
    streams.push_back(changes->WatchChanges(contexts.back().get(), watch));
    v1::WatchChangesResponse first;
    if (streams.back()->Read(&first)) {
      ++served;
    } else {
      ++refused[streams.back()->Finish().error_code()];
      streams.pop_back();
    }
  }
  EXPECT_GT(served, 0);
  EXPECT_EQ(refused.size(), 1u);
  EXPECT_GT(refused[grpc::StatusCode::RESOURCE_EXHAUSTED], 0) << directory->Log();
  EXPECT_EQ(cgroup.Refusals(), 0) << "threads the cgroup refused to start";
  for (auto& context : contexts) context->TryCancel();
  for (auto& stream : streams) stream->Finish();

  // Stops within its grace, or the test ends it.
  std::future<std::optional<int>> stopped =
      std::async(std::launch::async, [&] { return directory->Stop(SIGTERM); });
  if (stopped.wait_for(std::chrono::seconds(40)) != std::future_status::ready) {
    kill(directory->pid(), SIGKILL);
    ADD_FAILURE() << "the directory did not stop at SIGTERM\n" << directory->Log();
  }
  EXPECT_EQ(stopped.get(), 0) << directory->Log();
}

}  // namespace
}  // namespace clientbook
