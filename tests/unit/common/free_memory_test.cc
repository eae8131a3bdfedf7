#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/server/bootstrap.h"
#include "gperftools/malloc_extension.h"
#include "gtest/gtest.h"

namespace clientbook::server {
namespace {

constexpr size_t kMiB = 1 << 20;

size_t AllocatorProperty(const char* name) {
  size_t value = 0;
  EXPECT_TRUE(MallocExtension::instance()->GetNumericProperty(name, &value)) << name;
  return value;
}

// Allocates and touches 64 MiB in blocks of 256 KiB, then frees it all.
void AllocateAndFree64MiB() {
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) {
    void* block = std::malloc(256 * 1024);
    std::memset(block, 1, 256 * 1024);
    blocks.push_back(block);
  }
  for (void* block : blocks) std::free(block);
}

// The binaries that link the frame allocate through tcmalloc, which keeps
// what is freed, and ReturnFreeMemory gives it back (README: Change feed).
TEST(FreeMemoryTest, WhatTcmallocKeptFreeGoesBackToTheKernel) {
  ReturnFreeMemory();
  AllocateAndFree64MiB();
  ASSERT_GE(AllocatorProperty("tcmalloc.pageheap_free_bytes"), 32 * kMiB)
      << "malloc is not tcmalloc's: its freed pages never reached tcmalloc's heap";
  const size_t unmapped = AllocatorProperty("tcmalloc.pageheap_unmapped_bytes");
  ReturnFreeMemory();
  EXPECT_LT(AllocatorProperty("tcmalloc.pageheap_free_bytes"), 1 * kMiB);
  EXPECT_GE(AllocatorProperty("tcmalloc.pageheap_unmapped_bytes"), unmapped + 32 * kMiB);
}

}  // namespace
}  // namespace clientbook::server
