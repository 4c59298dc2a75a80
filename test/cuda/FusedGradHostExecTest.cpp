//===- FusedGradHostExecTest.cpp - CUDA fused backward bodies on the CPU --===//
//
// The CUDA drivers of rmsNormGrad, layerNormGrad and attentionGrad run with
// HostExec against the CPU kernels. The norms and the attention bias
// gradient share their arithmetic with the CPU (NormGrad.h,
// AttentionGrad.h) and match bit for bit; d_query, d_key and d_value, which
// the CPU computes with BLAS in blocks and the device one thread per row,
// match within a relative tolerance. The bitfield mask's bodies are checked
// against the explicit additive mask of the same layout (as the CPU kernels
// are in test/unit/BitfieldAttentionTest.cpp) and against the CPU kernels.
//
//===----------------------------------------------------------------------===//
#include "HostExecTestUtil.h"
#include "test/unit/BitfieldReference.h"

using namespace starch::rt;
using starch::rt::cuda::HostExec;
namespace drivers = starch::rt::cuda::drivers;
using namespace starch::rt::cuda::test;

TEST(CudaHostExec, RmsNormGradMatchesTheCpuBitForBit) {
  HostExec exec;
  for (DType dtype : kFloatTypes) {
    Tensor x = randomOf(dtype, {3, 7, 20}, 1), w = randomOf(dtype, {20}, 2),
           dy = randomOf(dtype, {3, 7, 20}, 3);
    Tensor dx = like(x), dw = like(w), gotDx = like(x), gotDw = like(w);
    EXPECT_OK(rmsNormGrad(x, w, dy, 1e-6, &dx, &dw));
    EXPECT_OK(drivers::rmsNormGrad(exec, x, w, dy, 1e-6, &gotDx, &gotDw));
    expectSame(gotDx, dx, "rms_norm_grad dx");
    expectSame(gotDw, dw, "rms_norm_grad dw");
    Tensor onlyDw = like(w);
    EXPECT_OK(drivers::rmsNormGrad(exec, x, w, dy, 1e-6, nullptr, &onlyDw));
    expectSame(onlyDw, dw, "rms_norm_grad dw alone");
  }
}

TEST(CudaHostExec, LayerNormGradMatchesTheCpuBitForBit) {
  HostExec exec;
  for (DType dtype : kFloatTypes) {
    Tensor x = randomOf(dtype, {4, 3, 9}, 4), w = randomOf(dtype, {3, 9}, 5),
           dy = randomOf(dtype, {4, 3, 9}, 6);
    Tensor dx = like(x), dw = like(w), db = like(w);
    Tensor gotDx = like(x), gotDw = like(w), gotDb = like(w);
    EXPECT_OK(layerNormGrad(x, w, dy, 1, 1e-5, &dx, &dw, &db));
    EXPECT_OK(drivers::layerNormGrad(exec, x, w, dy, 1, 1e-5, &gotDx, &gotDw,
                                     &gotDb));
    expectSame(gotDx, dx, "layer_norm_grad dx");
    expectSame(gotDw, dw, "layer_norm_grad dw");
    expectSame(gotDb, db, "layer_norm_grad db");
  }
}

TEST(CudaHostExec, AttentionGradMasksAndGroupedHeads) {
  HostExec exec;
  struct Case {
    int64_t batch, heads, kvHeads, s, t, d, dv;
    AttentionMask mask;
    Shape biasShape;
  } cases[] = {
      {2, 4, 2, 5, 5, 8, 6, AttentionMask::full, {}},
      {1, 4, 1, 3, 7, 4, 4, AttentionMask::causal, {}}, // offset T - S = 4
      {1, 2, 2, 6, 4, 4, 3, AttentionMask::causal, {}}, // rows see no key
      {2, 4, 2, 3, 5, 4, 4, AttentionMask::additive, {1, 4, 3, 5}},
      {2, 2, 1, 3, 5, 4, 4, AttentionMask::additive, {2, 1, 3, 5}},
      {2, 2, 2, 3, 4, 4, 4, AttentionMask::additive, {1, 1, 3, 4}},
  };
  for (DType dtype : kFloatTypes)
    for (const Case &c : cases) {
      std::string what = std::string("attention_grad ") + dtypeName(dtype) +
                         " mask " + std::to_string(int(c.mask)) + " ";
      Tensor q = randomOf(dtype, {c.batch, c.heads, c.s, c.d}, 10);
      Tensor k = randomOf(dtype, {c.batch, c.kvHeads, c.t, c.d}, 11);
      Tensor v = randomOf(dtype, {c.batch, c.kvHeads, c.t, c.dv}, 12);
      Tensor dOut = randomOf(dtype, {c.batch, c.heads, c.s, c.dv}, 13);
      Tensor bias;
      if (c.mask == AttentionMask::additive)
        bias = randomOf(dtype, c.biasShape, 14);
      const Tensor *b = bias.empty() ? nullptr : &bias;
      Tensor out(dtype, {c.batch, c.heads, c.s, c.dv});
      EXPECT_OK(attention(q, k, v, b, nullptr, c.mask, 0.5, out));
      Tensor dq = like(q), dk = like(k), dv = like(v);
      Tensor gotDq = like(q), gotDk = like(k), gotDv = like(v);
      Tensor db = b ? like(bias) : Tensor(), gotDb = b ? like(bias) : Tensor();
      EXPECT_OK(attentionGrad(q, k, v, b, nullptr, out, dOut, c.mask, 0.5, &dq,
                              &dk, &dv, b ? &db : nullptr));
      EXPECT_OK(drivers::attentionGrad(exec, q, k, v, b, nullptr, out, dOut,
                                       c.mask, 0.5, &gotDq, &gotDk, &gotDv,
                                       b ? &gotDb : nullptr));
      double tolerance = dtype == DType::f32 ? 1e-5 : 1e-12;
      expectClose(gotDq, dq, tolerance, what + "dq");
      expectClose(gotDk, dk, tolerance, what + "dk");
      expectClose(gotDv, dv, tolerance, what + "dv");
      if (b)
        expectSame(gotDb, db, what + "dbias");
    }
}

TEST(CudaHostExec, AttentionWindowAndSoftcapMatchTheCpu) {
  // The bodies' key ranges and softcap slopes against the CPU kernels, with
  // queries that are the last of the keys (T - S = 2).
  HostExec exec;
  struct Case {
    AttentionMask mask;
    int64_t window;
    double softcap;
  } cases[] = {{AttentionMask::causal, 3, 0.0},
               {AttentionMask::causal, 3, 1.5},
               {AttentionMask::causal, 0, 1.5},
               {AttentionMask::full, 2, 0.7},
               {AttentionMask::additive, 0, 0.8}};
  for (DType dtype : kFloatTypes)
    for (const Case &c : cases) {
      std::string what = std::string("attention ") + dtypeName(dtype) +
                         " mask " + std::to_string(int(c.mask)) + " window " +
                         std::to_string(c.window) + " softcap " +
                         std::to_string(c.softcap) + " ";
      Tensor q = randomOf(dtype, {2, 4, 5, 8}, 20);
      Tensor k = randomOf(dtype, {2, 2, 7, 8}, 21);
      Tensor v = randomOf(dtype, {2, 2, 7, 6}, 22);
      Tensor dOut = randomOf(dtype, {2, 4, 5, 6}, 23);
      Tensor bias = randomOf(dtype, {1, 4, 5, 7}, 24);
      const Tensor *b = c.mask == AttentionMask::additive ? &bias : nullptr;
      Tensor out(dtype, dOut.shape()), gotOut(dtype, dOut.shape());
      EXPECT_OK(attention(q, k, v, b, nullptr, c.mask, 0.5, out, c.window,
                          c.softcap));
      EXPECT_OK(drivers::attention(exec, q, k, v, b, nullptr, c.mask, 0.5,
                                   gotOut, c.window, c.softcap));
      double tolerance = dtype == DType::f32 ? 1e-5 : 1e-12;
      expectClose(gotOut, out, tolerance, what + "out");
      Tensor dq = like(q), dk = like(k), dv = like(v), db = like(bias);
      Tensor gotDq = like(q), gotDk = like(k), gotDv = like(v),
             gotDb = like(bias);
      EXPECT_OK(attentionGrad(q, k, v, b, nullptr, out, dOut, c.mask, 0.5, &dq,
                              &dk, &dv, b ? &db : nullptr, c.window,
                              c.softcap));
      EXPECT_OK(drivers::attentionGrad(
          exec, q, k, v, b, nullptr, out, dOut, c.mask, 0.5, &gotDq, &gotDk,
          &gotDv, b ? &gotDb : nullptr, c.window, c.softcap));
      expectClose(gotDq, dq, tolerance, what + "dq");
      expectClose(gotDk, dk, tolerance, what + "dk");
      expectClose(gotDv, dv, tolerance, what + "dv");
      if (b)
        expectClose(gotDb, db, tolerance, what + "dbias");
    }
}

TEST(CudaHostExec, AttentionWindowRowsThatSeeNoKeyPoisonTheHeadAsOnTheCpu) {
  // 7 queries as the last of 3 keys sit at positions -4..2; a full window
  // of 2 leaves the first two rows (-4, -3) no key: NaN rows, and NaN key
  // and value gradients for the head, on both targets.
  HostExec exec;
  Tensor q = randomOf(DType::f64, {1, 2, 7, 4}, 30);
  Tensor k = randomOf(DType::f64, {1, 1, 3, 4}, 31);
  Tensor v = randomOf(DType::f64, {1, 1, 3, 4}, 32);
  Tensor dOut = randomOf(DType::f64, {1, 2, 7, 4}, 33);
  Tensor out = like(q), gotOut = like(q);
  EXPECT_OK(attention(q, k, v, nullptr, nullptr, AttentionMask::full, 0.5, out,
                      2, 0.0));
  EXPECT_OK(drivers::attention(exec, q, k, v, nullptr, nullptr,
                               AttentionMask::full, 0.5, gotOut, 2, 0.0));
  expectClose(gotOut, out, 1e-12, "out");
  EXPECT_TRUE(std::isnan(elementAsDouble(out, 0)));
  Tensor dq = like(q), dk = like(k), dv = like(v);
  Tensor gotDq = like(q), gotDk = like(k), gotDv = like(v);
  EXPECT_OK(attentionGrad(q, k, v, nullptr, nullptr, out, dOut,
                          AttentionMask::full, 0.5, &dq, &dk, &dv, nullptr, 2,
                          0.0));
  EXPECT_OK(drivers::attentionGrad(exec, q, k, v, nullptr, nullptr, out, dOut,
                                   AttentionMask::full, 0.5, &gotDq, &gotDk,
                                   &gotDv, nullptr, 2, 0.0));
  EXPECT_TRUE(std::isnan(elementAsDouble(dk, 0)));
  expectClose(gotDq, dq, 1e-12, "dq");
  expectClose(gotDk, dk, 1e-12, "dk");
  expectClose(gotDv, dv, 1e-12, "dv");
}

TEST(CudaHostExec, AttentionGradSkipsNullResults) {
  HostExec exec;
  Tensor q = randomOf(DType::f64, {1, 2, 4, 3}, 20),
         k = randomOf(DType::f64, {1, 1, 4, 3}, 21),
         dOut = randomOf(DType::f64, {1, 2, 4, 3}, 22);
  Tensor out(DType::f64, q.shape());
  EXPECT_OK(
      attention(q, k, k, nullptr, nullptr, AttentionMask::causal, 0.7, out));
  Tensor dv = like(k), gotDv = like(k);
  EXPECT_OK(attentionGrad(q, k, k, nullptr, nullptr, out, dOut,
                          AttentionMask::causal, 0.7, nullptr, nullptr, &dv,
                          nullptr));
  EXPECT_OK(drivers::attentionGrad(exec, q, k, k, nullptr, nullptr, out, dOut,
                                   AttentionMask::causal, 0.7, nullptr, nullptr,
                                   &gotDv, nullptr));
  expectClose(gotDv, dv, 1e-12, "d_value alone");
}

TEST(CudaHostExec, FusedGradRejectsWrongResultsAndHalfTypes) {
  HostExec exec;
  Tensor q = randomOf(DType::f32, {1, 2, 3, 4}, 30),
         k = randomOf(DType::f32, {1, 1, 3, 4}, 31);
  Tensor wrong(DType::f32, {1, 2, 3, 4});
  Status status = drivers::attentionGrad(exec, q, k, k, nullptr, nullptr, q, q,
                                         AttentionMask::full, 0.5, nullptr,
                                         &wrong, nullptr, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("d_key"), std::string::npos)
      << status.message();
  Tensor half(DType::bf16, {2, 4}), halfW(DType::bf16, {4});
  status =
      drivers::rmsNormGrad(exec, half, halfW, half, 1e-6, nullptr, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not supported on CUDA yet"),
            std::string::npos)
      << status.message();
}

namespace {

/// Copies `t` with the rows of padding queries zeroed (B x H x S x D).
Tensor withoutPaddingRows(const std::vector<starch::rt::test::Layout> &layouts,
                          const Tensor &t) {
  Tensor copy = like(t);
  std::memcpy(copy.bytes(), t.bytes(), t.byteSize());
  starch::rt::test::zeroPaddingRows(layouts, copy);
  return copy;
}

} // namespace

TEST(CudaHostExec, AttentionBitfieldMatchesTheExplicitMask) {
  using namespace starch::rt::test;
  HostExec exec;
  std::vector<Layout> layouts = multimodalLayouts();
  Tensor bits = maskWords(layouts);
  for (DType dtype : kFloatTypes) {
    std::string what = std::string("bitfield ") + dtypeName(dtype) + " ";
    double tolerance = dtype == DType::f32 ? 1e-5 : 1e-12;
    // Hq 4 reads Hkv 2 over the 70 tokens of each sequence; Dv differs.
    Tensor q = randomOf(dtype, {2, 4, 70, 8}, 80);
    Tensor k = randomOf(dtype, {2, 2, 70, 8}, 81);
    Tensor v = randomOf(dtype, {2, 2, 70, 5}, 82);
    Tensor dOut = randomOf(dtype, {2, 4, 70, 5}, 83);
    Tensor bias = explicitBias(layouts, dtype, true);

    Tensor out(dtype, {2, 4, 70, 5}), want(dtype, out.shape());
    EXPECT_OK(drivers::attention(exec, q, k, v, &bits, nullptr,
                                 AttentionMask::bitfield, 0.45, out));
    EXPECT_OK(attention(q, k, v, &bias, nullptr, AttentionMask::additive, 0.45,
                        want));
    Tensor cpu = like(out);
    EXPECT_OK(
        attention(q, k, v, &bits, nullptr, AttentionMask::bitfield, 0.45, cpu));
    expectClose(out, cpu, tolerance, what + "out vs the CPU kernel");
    // Padding rows are exactly 0; the reference's are not compared.
    expectClose(out, withoutPaddingRows(layouts, want), tolerance,
                what + "out (padding rows 0)");
    for (int64_t i = 0; i < out.numElements(); ++i)
      if (elementAsDouble(out, i) != 0.0) {
        int64_t row = i / 5, b = row / (4 * 70);
        ASSERT_FALSE(isPadding(layouts[b], row % 70)) << what << i;
      }

    Tensor dq = like(q), dk = like(k), dv = like(v);
    EXPECT_OK(drivers::attentionGrad(exec, q, k, v, &bits, nullptr, out, dOut,
                                     AttentionMask::bitfield, 0.45, &dq, &dk,
                                     &dv, nullptr));
    Tensor wantDq = like(q), wantDk = like(k), wantDv = like(v);
    EXPECT_OK(attentionGrad(
        q, k, v, &bias, nullptr, want, withoutPaddingRows(layouts, dOut),
        AttentionMask::additive, 0.45, &wantDq, &wantDk, &wantDv, nullptr));
    expectClose(dq, withoutPaddingRows(layouts, wantDq), tolerance,
                what + "d_query (padding rows 0)");
    expectClose(dk, wantDk, tolerance, what + "d_key");
    expectClose(dv, wantDv, tolerance, what + "d_value");
    Tensor cpuDq = like(q), cpuDk = like(k), cpuDv = like(v);
    EXPECT_OK(attentionGrad(q, k, v, &bits, nullptr, cpu, dOut,
                            AttentionMask::bitfield, 0.45, &cpuDq, &cpuDk,
                            &cpuDv, nullptr));
    expectClose(dq, cpuDq, tolerance, what + "d_query vs the CPU kernel");
    expectClose(dk, cpuDk, tolerance, what + "d_key vs the CPU kernel");
    expectClose(dv, cpuDv, tolerance, what + "d_value vs the CPU kernel");
  }
}

TEST(CudaHostExec, AttentionBitfieldAllPaddingIsZero) {
  using namespace starch::rt::test;
  HostExec exec;
  Layout padding;
  append(padding, Token::padding, 6);
  Tensor bits = maskWords({padding});
  Tensor q = randomOf(DType::f64, {1, 2, 6, 4}, 90),
         k = randomOf(DType::f64, {1, 1, 6, 4}, 91),
         dOut = randomOf(DType::f64, {1, 2, 6, 4}, 92);
  Tensor out = like(q);
  EXPECT_OK(drivers::attention(exec, q, k, k, &bits, nullptr,
                               AttentionMask::bitfield, 0.5, out));
  Tensor dq = like(q), dk = like(k), dv = like(k);
  EXPECT_OK(drivers::attentionGrad(exec, q, k, k, &bits, nullptr, out, dOut,
                                   AttentionMask::bitfield, 0.5, &dq, &dk, &dv,
                                   nullptr));
  for (const Tensor *t : {&out, &dq, &dk, &dv})
    for (int64_t i = 0; i < t->numElements(); ++i)
      ASSERT_EQ(elementAsDouble(*t, i), 0.0) << i;
  Tensor wrongWords(DType::i32, {1, 6});
  Status status = drivers::attention(exec, q, k, k, &wrongWords, nullptr,
                                     AttentionMask::bitfield, 0.5, out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("B x S of i64"), std::string::npos)
      << status.message();
}

// A context-parallel rank's queries: tokens picked out of order, placed
// among all keys by positions. The CUDA bodies must agree with the CPU
// kernels (which AttentionPositionsTest checks against the whole sequence).
TEST(CudaHostExec, AttentionPositionsMatchTheCpuKernels) {
  using namespace starch::rt::test;
  HostExec exec;
  Tensor bits = maskWords(multimodalLayouts());
  Tensor positions(DType::i64, {6});
  int64_t picked[] = {40, 3, 69, 17, 0, 28}; // text, image, padding, ...
  std::memcpy(positions.bytes(), picked, sizeof(picked));
  for (AttentionMask mask : {AttentionMask::bitfield, AttentionMask::causal}) {
    std::string what =
        mask == AttentionMask::bitfield ? "bitfield " : "causal ";
    const Tensor *words = mask == AttentionMask::bitfield ? &bits : nullptr;
    Tensor q = randomOf(DType::f64, {2, 4, 6, 8}, 90);
    Tensor k = randomOf(DType::f64, {2, 2, 70, 8}, 91);
    Tensor v = randomOf(DType::f64, {2, 2, 70, 5}, 92);
    Tensor dOut = randomOf(DType::f64, {2, 4, 6, 5}, 93);
    Tensor out(DType::f64, {2, 4, 6, 5}), cpu = like(out);
    EXPECT_OK(
        drivers::attention(exec, q, k, v, words, &positions, mask, 0.45, out));
    EXPECT_OK(attention(q, k, v, words, &positions, mask, 0.45, cpu));
    expectClose(out, cpu, 1e-12, what + "out");
    Tensor dq = like(q), dk = like(k), dv = like(v);
    Tensor cpuDq = like(q), cpuDk = like(k), cpuDv = like(v);
    EXPECT_OK(drivers::attentionGrad(exec, q, k, v, words, &positions, out,
                                     dOut, mask, 0.45, &dq, &dk, &dv, nullptr));
    EXPECT_OK(attentionGrad(q, k, v, words, &positions, cpu, dOut, mask, 0.45,
                            &cpuDq, &cpuDk, &cpuDv, nullptr));
    expectClose(dq, cpuDq, 1e-12, what + "d_query");
    expectClose(dk, cpuDk, 1e-12, what + "d_key");
    expectClose(dv, cpuDv, 1e-12, what + "d_value");
  }
}
