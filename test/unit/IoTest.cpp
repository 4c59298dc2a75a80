//===- IoTest.cpp - .npy, safetensors and half conversions ----------------===//
#include "TestUtil.h"

#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {
std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/starch-" + std::to_string(getpid()) + "-" +
         name;
}

void expectSameTensor(const Tensor &a, const Tensor &b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.byteSize(), b.byteSize());
  EXPECT_EQ(0, std::memcmp(a.bytes(), b.bytes(), a.byteSize()));
}
} // namespace

TEST(Npy, RoundTripsEveryType) {
  for (DType dtype :
       {DType::f32, DType::f64, DType::f16, DType::i64, DType::i32, DType::i16,
        DType::i8, DType::u8, DType::i1}) {
    Tensor t = make(dtype, {2, 3}, {1, 0, 3, 4, 0, 6});
    std::string path = tempPath(std::string("rt-") + dtypeName(dtype) + ".npy");
    std::string error;
    ASSERT_TRUE(writeNpy(path, t, error)) << error;
    Tensor back;
    ASSERT_TRUE(readNpy(path, back, error)) << error;
    expectSameTensor(t, back);
    std::remove(path.c_str());
  }
}

TEST(Npy, ScalarAndOneDimShapes) {
  std::string error;
  for (Shape shape : {Shape{}, Shape{5}, Shape{0, 3}}) {
    Tensor t(DType::f32, shape);
    std::string path = tempPath("shape.npy");
    ASSERT_TRUE(writeNpy(path, t, error)) << error;
    Tensor back;
    ASSERT_TRUE(readNpy(path, back, error)) << error;
    EXPECT_EQ(back.shape(), shape);
    std::remove(path.c_str());
  }
}

/// A hand-made version-2 header, as numpy writes for huge headers.
TEST(Npy, ReadsVersion2) {
  std::string header =
      "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
  header += std::string((64 - (12 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x02\x00", 8);
  uint32_t length = header.size();
  bytes.append(reinterpret_cast<const char *>(&length), 4);
  bytes += header;
  int64_t data[2] = {int64_t(1) << 62, -5};
  bytes.append(reinterpret_cast<const char *>(data), 16);
  Tensor t;
  std::string error;
  ASSERT_TRUE(parseNpy(bytes, "v2.npy", t, error)) << error;
  EXPECT_EQ(t.dtype(), DType::i64);
  EXPECT_EQ(t.data<int64_t>()[0], int64_t(1) << 62);
  EXPECT_EQ(t.data<int64_t>()[1], -5);
}

TEST(Npy, ClearErrors) {
  auto parse = [](const std::string &dict, std::string data = "") {
    std::string header = dict + "\n";
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
    bytes.push_back(static_cast<char>(header.size()));
    bytes.push_back(0);
    Tensor t;
    std::string error;
    EXPECT_FALSE(parseNpy(bytes + header + data, "bad.npy", t, error));
    return error;
  };
  EXPECT_NE(parse("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }")
                .find("unsupported .npy element type '>f4'"),
            std::string::npos);
  EXPECT_NE(parse("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }")
                .find("Fortran"),
            std::string::npos);
  EXPECT_NE(
      parse("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "abcd")
          .find("needs 16"),
      std::string::npos);
  Tensor t;
  std::string error;
  EXPECT_FALSE(parseNpy("not numpy", "x.npy", t, error));
  EXPECT_NE(error.find("'x.npy'"), std::string::npos);
  EXPECT_FALSE(readNpy(tempPath("missing.npy"), t, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
}

TEST(Safetensors, RoundTripWithMetadata) {
  std::map<std::string, Tensor> tensors = {
      {"model.embed.weight", random(DType::f32, {4, 3})},
      {"model.norm.weight", make(DType::bf16, {3}, {1, 0.5, -2})},
      {"ids", make(DType::i64, {2}, {7, -1})},
      {"mask", make(DType::i1, {2}, {1, 0})}};
  std::string path = tempPath("rt.safetensors"), error;
  ASSERT_TRUE(writeSafetensors(path, tensors, error, {{"format", "pt"}}))
      << error;
  SafetensorsFile file;
  ASSERT_TRUE(file.open(path, error)) << error;
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.names().size(), 4u);
  for (const auto &[name, tensor] : tensors) {
    Tensor back;
    ASSERT_TRUE(file.load(name, back, error)) << error;
    expectSameTensor(tensor, back);
  }
  Tensor missing;
  EXPECT_FALSE(file.load("nope", missing, error));
  EXPECT_NE(error.find("no tensor named 'nope'"), std::string::npos);
  std::map<std::string, Tensor> all;
  ASSERT_TRUE(readSafetensors(path, all, error)) << error;
  EXPECT_EQ(all.size(), 4u);
  std::remove(path.c_str());
}

TEST(Safetensors, BadHeaderIsAnError) {
  std::string path = tempPath("bad.safetensors"), error;
  {
    std::ofstream out(path, std::ios::binary);
    uint64_t length = 5;
    out.write(reinterpret_cast<const char *>(&length), 8);
    out << "{oops";
  }
  SafetensorsFile file;
  EXPECT_FALSE(file.open(path, error));
  EXPECT_NE(error.find("bad safetensors header"), std::string::npos);
  std::remove(path.c_str());
}

// Found by the safetensors fuzz target (UBSan): a data offset of 1e52 was
// converted to an integer. Counts must be non-negative JSON integers, and
// a shape's size must not overflow. (Under the sanitizers the conversion
// itself fails the test.)
TEST(Safetensors, CountsThatAreNotNonNegativeIntegersAreAnError) {
  const std::pair<const char *, const char *> cases[] = {
      {R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 1.1111e52]}})",
       "data offset is not a non-negative integer: 1.1111e+52"},
      {R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})",
       "data offset is not a non-negative integer: -4"},
      {R"({"t": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 4]}})",
       "shape is not a non-negative integer: 1e+30"},
      {R"({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
       "shape is not a non-negative integer: -1"},
      {R"({"t": {"dtype": "F32", "shape": 3, "data_offsets": [0, 4]}})",
       "shape is not a list"},
      {R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 4]}})",
       "has a shape too large to hold"},
  };
  for (const auto &[header, expected] : cases) {
    std::string path = tempPath("counts.safetensors"), error;
    {
      std::ofstream out(path, std::ios::binary);
      uint64_t length = std::strlen(header);
      out.write(reinterpret_cast<const char *>(&length), 8);
      out << header << "0123";
    }
    SafetensorsFile file;
    EXPECT_FALSE(file.open(path, error)) << header;
    EXPECT_NE(error.find(std::string("bad safetensors header: tensor 't' ") +
                         expected),
              std::string::npos)
        << error;
    std::remove(path.c_str());
  }
}

TEST(Half, KnownBitPatterns) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(1e6f), 0x7c00);          // overflow to infinity
  EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x0001), 5.9604645e-8f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0x4049), 3.140625f);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBfloat16(NAN))));
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1).
  EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: to even (0x3c02).
  EXPECT_EQ(floatToHalf(1.0f + 3.0f / 2048), 0x3c02);
  EXPECT_EQ(floatToBfloat16(1.0f + 1.0f / 256), 0x3f80);
  EXPECT_EQ(floatToBfloat16(1.0f + 3.0f / 256), 0x3f82);
}

TEST(Half, EveryHalfRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float value = halfToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(value))
      continue;
    EXPECT_EQ(floatToHalf(value), bits) << std::hex << bits;
  }
}

TEST(Tensor, BuffersAreAlignedAndShared) {
  Tensor zeros(DType::f32, {3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(zeros.bytes()) % 64, 0u);
  for (double v : values(zeros))
    EXPECT_EQ(v, 0);
  Tensor raw = Tensor::uninitialized(DType::i64, {7});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(raw.bytes()) % 64, 0u);
  Tensor view = zeros.reshaped({15});
  EXPECT_EQ(view.bytes(), zeros.bytes());
  Tensor copy = zeros.clone();
  EXPECT_NE(copy.bytes(), zeros.bytes());
  EXPECT_FALSE(Tensor(DType::f32, {0}).empty());
  EXPECT_TRUE(Tensor().empty());
}
