#ifndef CLIENTBOOK_COMMON_SERVER_ARENA_MESSAGES_H_
#define CLIENTBOOK_COMMON_SERVER_ARENA_MESSAGES_H_

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace clientbook::server {

// A unary call's request and response on one protobuf arena, for the calls
// whose answers are pages of many items (SetMessageAllocatorFor_<Method>):
// a page of 1,000 clients is then a few blocks, taken and given back at
// once, not some 15,000 strings and messages freed on the thread that sent
// them. Under a flood of such pages tcmalloc's central free lists took a
// third of the directory's CPU.
template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options()) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options() {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 4 << 10;
      options.max_block_size = 256 << 10;
      return options;
    }

    google::protobuf::Arena arena_;
  };
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_ARENA_MESSAGES_H_
