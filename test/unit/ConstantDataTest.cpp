//===- ConstantDataTest.cpp - The constants file of generated programs ----===//
#include "runtime/io/ConstantData.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace starch::rt;

namespace {
std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/starch-" + std::to_string(getpid()) + "-" +
         name;
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// 100 bytes of payload, not a multiple of anything.
std::string payload() {
  std::string bytes;
  for (int i = 0; i < 100; ++i)
    bytes += static_cast<char>(i * 7);
  return bytes;
}
} // namespace

TEST(ConstantData, ReadsWhatTheCompilerWrites) {
  std::string data = payload(), path = tempPath("good.consts");
  writeFile(path, constantDataHeader(data) + data);
  void *read = nullptr;
  std::string error;
  ASSERT_TRUE(readConstantData(path, data.size(),
                               constantDataHash(data.data(), data.size()), read,
                               error))
      << error;
  EXPECT_EQ(0u, reinterpret_cast<uintptr_t>(read) % kConstantAlignment);
  EXPECT_EQ(data, std::string(static_cast<char *>(read), data.size()));
  std::free(read);
}

TEST(ConstantData, KnownHash) {
  // FNV-1a 64 test vectors: "" and "a".
  EXPECT_EQ(0xcbf29ce484222325ull, constantDataHash("", 0));
  EXPECT_EQ(0xaf63dc4c8601ec8cull, constantDataHash("a", 1));
}

TEST(ConstantData, RefusesMissingStaleAndDamagedFiles) {
  std::string data = payload();
  uint64_t hash = constantDataHash(data.data(), data.size());
  void *read = nullptr;
  std::string error;

  EXPECT_FALSE(readConstantData(tempPath("absent.consts"), data.size(), hash,
                                read, error));
  EXPECT_NE(std::string::npos, error.find("cannot open")) << error;

  std::string other = data;
  other[3] ^= 1;
  std::string stale = tempPath("stale.consts");
  writeFile(stale, constantDataHeader(other) + other);
  EXPECT_FALSE(readConstantData(stale, data.size(), hash, read, error));
  EXPECT_NE(std::string::npos, error.find("another compilation")) << error;

  std::string truncated = tempPath("truncated.consts");
  writeFile(truncated, (constantDataHeader(data) + data).substr(0, 120));
  EXPECT_FALSE(readConstantData(truncated, data.size(), hash, read, error));
  EXPECT_NE(std::string::npos, error.find("truncated")) << error;

  std::string damaged = tempPath("damaged.consts");
  std::string bytes = constantDataHeader(data) + data;
  bytes[kConstantDataHeaderBytes + 10] ^= 0x40;
  writeFile(damaged, bytes);
  EXPECT_FALSE(readConstantData(damaged, data.size(), hash, read, error));
  EXPECT_NE(std::string::npos, error.find("damaged")) << error;

  std::string foreign = tempPath("foreign.consts");
  writeFile(foreign, std::string(200, 'x'));
  EXPECT_FALSE(readConstantData(foreign, data.size(), hash, read, error));
  EXPECT_NE(std::string::npos, error.find("not a Starch constants file"))
      << error;
  EXPECT_EQ(nullptr, read);
}
