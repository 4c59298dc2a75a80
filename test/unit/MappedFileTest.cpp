//===- MappedFileTest.cpp - Tensors read in place from mapped files -------===//
//
// starchc compares every initializer of an export with every framework
// weight through mappings of both files (MappedFile.h): a mapped tensor must
// hold the bytes a read gives, outlive the object it came from, keep a write
// to itself, and fall back to a copy where its bytes are not aligned for its
// type; the external-data rules (ConfinedFile.h) apply unchanged.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/io/OnnxTensor.h"
#include "runtime/io/Safetensors.h"

#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

std::string tempFolder(const std::string &name) {
  std::string path =
      ::testing::TempDir() + "/starch-" + std::to_string(getpid()) + "-" + name;
  std::filesystem::create_directories(path);
  return path;
}

bool sameBytes(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         a.byteSize() == b.byteSize() &&
         std::memcmp(a.bytes(), b.bytes(), a.byteSize()) == 0;
}

/// An f32 initializer of `shape` whose bytes are at `offset` of `location`.
onnx::TensorProto externalF32(const std::string &location, int64_t offset,
                              const Shape &shape) {
  onnx::TensorProto proto;
  proto.set_name("w");
  proto.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t size : shape)
    proto.add_dims(size);
  proto.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *entry = proto.add_external_data();
  entry->set_key("location");
  entry->set_value(location);
  entry = proto.add_external_data();
  entry->set_key("offset");
  entry->set_value(std::to_string(offset));
  return proto;
}

} // namespace

// The writer packs tensors back to back in name order: "ids" (i64, 16
// bytes) at 0, "mask" (i1, 2) at 16, "model.embed.weight" (f32) at 18, not
// aligned for f32 (a copy), "model.norm.weight" (bf16) at 66 (in place).
TEST(MappedFile, SafetensorsLoadsEqualReadsAndOutliveTheFile) {
  std::map<std::string, Tensor> tensors = {
      {"model.embed.weight", random(DType::f32, {4, 3})},
      {"model.norm.weight", make(DType::bf16, {3}, {1, 0.5, -2})},
      {"ids", make(DType::i64, {2}, {7, -1})},
      {"mask", make(DType::i1, {2}, {1, 0})}};
  std::string path = tempFolder("mapped") + "/w.safetensors", error;
  ASSERT_TRUE(writeSafetensors(path, tensors, error)) << error;
  std::map<std::string, Tensor> mapped;
  {
    SafetensorsFile file;
    ASSERT_TRUE(file.open(path, error)) << error;
    ASSERT_TRUE(file.map(error)) << error;
    for (const auto &[name, tensor] : tensors)
      ASSERT_TRUE(file.load(name, mapped[name], error)) << error;
  } // the file object is gone; its mapping lives on in the tensors
  for (const auto &[name, tensor] : tensors)
    EXPECT_TRUE(sameBytes(mapped.at(name), tensor)) << name;

  // A write to a mapped tensor stays in this process: the file keeps its
  // bytes.
  mapped.at("model.norm.weight").data<uint16_t>()[0] = 0;
  mapped.at("ids").data<int64_t>()[0] = 0;
  std::map<std::string, Tensor> reread;
  ASSERT_TRUE(readSafetensors(path, reread, error)) << error;
  for (const auto &[name, tensor] : tensors)
    EXPECT_TRUE(sameBytes(reread.at(name), tensor)) << name;
  std::remove(path.c_str());
}

TEST(MappedFile, SafetensorsThatChangedLengthAreNotMapped) {
  std::string path = tempFolder("changed") + "/w.safetensors", error;
  ASSERT_TRUE(writeSafetensors(path, {{"w", random(DType::f32, {8})}}, error))
      << error;
  SafetensorsFile file;
  ASSERT_TRUE(file.open(path, error)) << error;
  std::filesystem::resize_file(path, 16);
  EXPECT_FALSE(file.map(error));
  EXPECT_NE(error.find("changed length since its index was read"),
            std::string::npos)
      << error;
  std::remove(path.c_str());
}

// External data: in place where the offset is aligned for f32, a read where
// it is not; the same values both ways, and the same errors as a read.
TEST(MappedFile, OnnxExternalDataEqualsItsRead) {
  std::string folder = tempFolder("external");
  Tensor values = random(DType::f32, {5, 7});
  {
    std::ofstream out(folder + "/w.bin", std::ios::binary);
    out.write("xy", 2);
    out.write(reinterpret_cast<const char *>(values.bytes()),
              static_cast<std::streamsize>(values.byteSize()));
    out.write("zw", 2); // the second copy at 144: aligned for f32
    out.write(reinterpret_cast<const char *>(values.bytes()),
              static_cast<std::streamsize>(values.byteSize()));
  }
  ExternalMappings mappings;
  std::string error;
  for (int64_t offset : {int64_t(2), int64_t(4 + values.byteSize())}) {
    onnx::TensorProto proto = externalF32("w.bin", offset, {5, 7});
    Tensor mapped, read;
    ASSERT_TRUE(mapOnnxTensor(proto, folder, mappings, mapped, error)) << error;
    ASSERT_TRUE(decodeOnnxTensor(proto, folder, read, error)) << error;
    EXPECT_TRUE(sameBytes(mapped, read)) << "offset " << offset;
    EXPECT_TRUE(sameBytes(mapped, values)) << "offset " << offset;
  }
  EXPECT_EQ(mappings.size(), 1u); // one mapping for both tensors

  // A location outside the folder and a range past the end are refused
  // as a read refuses them.
  for (onnx::TensorProto proto : {externalF32("../w.bin", 0, {5, 7}),
                                  externalF32("w.bin", 200, {5, 7})}) {
    Tensor mapped, read;
    std::string mapError, readError;
    EXPECT_FALSE(mapOnnxTensor(proto, folder, mappings, mapped, mapError));
    EXPECT_FALSE(decodeOnnxTensor(proto, folder, read, readError));
    EXPECT_EQ(mapError, readError);
    EXPECT_FALSE(mapError.empty());
  }
  std::filesystem::remove_all(folder);
}
