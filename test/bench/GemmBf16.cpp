//===- GemmBf16.cpp - bf16 against f32 matrix products, GFLOP/s ----------===//
//
// The matrix products of a Llama-style layer at hidden 768 (intermediate
// 2048, vocabulary 8192) for 512 tokens and for 256 (one thread's rows of
// 512 over 2 threads): forward, dX = dY W^T (transB) and dW = X^T dY
// (transA). For each shape, in one run:
//   - one thread: cblas_sgemm (rt::gemm, OpenBLAS single-threaded) against
//     gemmBf16 with f32 and with bf16 output;
//   - the runtime's threads: rt::matmul on f32 tensors, on bf16 tensors (the
//     bf16 kernel), and the former bf16 path (widen, f32 matmul, narrow),
//     with the share of that path spent converting;
//   - bf16 products of f32 operands (matmul's bf16 flag): operands rounded
//     as gemmBf16 packs them, against rounding copies first (one thread:
//     bf16Bits loops, gemmBf16, rounding the result; the runtime's threads:
//     narrowHalf of both, then the bf16 matmul).
// Each figure is the best of several timed repetitions (the machine may be
// shared).
//
//   starch-bench-gemm-bf16 [--threads T] [--quick] [--only SUBSTRING]
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/GemmBf16.h"
#include "runtime/Tensor.h"
#include "runtime/kernels/Bf16.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Parallel.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace starch::rt;

namespace {

/// One matrix product of the layer: C[m x n] = op(A) op(B) over k.
struct Product {
  std::string name;
  bool transA, transB;
  int64_t m, n, k;
};

double flopsOf(const Product &p) { return 2.0 * p.m * p.n * p.k; }

std::vector<Product> layerProducts(int64_t tokens) {
  const int64_t hidden = 768, intermediate = 2048, vocabulary = 8192;
  std::string t = std::to_string(tokens);
  return {
      {"attn proj   " + t + "x768x768", false, false, tokens, hidden, hidden},
      {"mlp up      " + t + "x2048x768", false, false, tokens, intermediate,
       hidden},
      {"mlp down    " + t + "x768x2048", false, false, tokens, hidden,
       intermediate},
      {"lm head     " + t + "x8192x768", false, false, tokens, vocabulary,
       hidden},
      {"dX up   B^T " + t + "x768x2048", false, true, tokens, hidden,
       intermediate},
      {"dX down B^T " + t + "x2048x768", false, true, tokens, intermediate,
       hidden},
      {"dX head B^T " + t + "x768x8192", false, true, tokens, hidden,
       vocabulary},
      {"dW proj A^T 768x768x" + t, true, false, hidden, hidden, tokens},
      {"dW up   A^T 768x2048x" + t, true, false, hidden, intermediate, tokens},
      {"dW down A^T 2048x768x" + t, true, false, intermediate, hidden, tokens},
  };
}

/// Best seconds per call of `body` over `repeats` timings, each long
/// enough (about 0.1 s) to swamp the clock.
double bestSeconds(const std::function<void()> &body, int repeats) {
  using Clock = std::chrono::steady_clock;
  body(); // warms caches, packing buffers and the pool
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    int calls = 0;
    auto start = Clock::now();
    double elapsed = 0;
    do {
      body();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < 0.1);
    best = std::min(best, elapsed / calls);
  }
  return best;
}

Tensor randomTensor(DType dtype, Shape shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numElements(); ++i)
    storeFromDouble(t, i, dist(gen));
  return t;
}

/// The operands of `p` as stored (transposed when the flags say).
struct Operands {
  Tensor a, b;
  Operands(const Product &p, DType dtype)
      : a(randomTensor(dtype, p.transA ? Shape{p.k, p.m} : Shape{p.m, p.k}, 1)),
        b(randomTensor(dtype, p.transB ? Shape{p.n, p.k} : Shape{p.k, p.n},
                       2)) {}
  int64_t lda() const { return a.shape()[1]; }
  int64_t ldb() const { return b.shape()[1]; }
};

double gflops(const Product &p, double seconds) {
  return flopsOf(p) / seconds * 1e-9;
}

/// One thread: sgemm, gemmBf16 to f32 and to bf16.
void singleThread(const Product &p, int repeats) {
  Operands wide(p, DType::f32), narrow(p, DType::bf16);
  std::vector<float> c(p.m * p.n);
  std::vector<uint16_t> cNarrow(p.m * p.n);
  double sgemm = bestSeconds(
      [&] {
        gemm(p.transA, p.transB, p.m, p.n, p.k, 1.0f, wide.a.data<float>(),
             wide.lda(), wide.b.data<float>(), wide.ldb(), 0.0f, c.data(), p.n);
      },
      repeats);
  double toF32 = bestSeconds(
      [&] {
        gemmBf16(p.transA, p.transB, p.m, p.n, p.k, narrow.a.data<uint16_t>(),
                 narrow.lda(), narrow.b.data<uint16_t>(), narrow.ldb(),
                 c.data(), p.n);
      },
      repeats);
  double toBf16 = bestSeconds(
      [&] {
        gemmBf16(p.transA, p.transB, p.m, p.n, p.k, narrow.a.data<uint16_t>(),
                 narrow.lda(), narrow.b.data<uint16_t>(), narrow.ldb(),
                 cNarrow.data(), p.n);
      },
      repeats);
  std::printf("%-28s %8.1f %8.1f %8.1f %6.2fx %5.1f%%\n", p.name.c_str(),
              gflops(p, sgemm), gflops(p, toF32), gflops(p, toBf16),
              sgemm / toBf16, 100 * (toBf16 - toF32) / toBf16);
}

/// The runtime's threads: rt::matmul on f32, on bf16, and the former bf16
/// path (widen both operands, f32 matmul, narrow the result).
void runtimeThreads(const Product &p, int repeats) {
  Operands wide(p, DType::f32), narrow(p, DType::bf16);
  Tensor out(DType::f32, {p.m, p.n}), outNarrow(DType::bf16, {p.m, p.n});
  auto product = [&](const Tensor &a, const Tensor &b, Tensor &into) {
    if (!matmul(a, b, p.transA, p.transB, into).ok())
      std::fprintf(stderr, "matmul failed\n");
  };
  double f32 = bestSeconds([&] { product(wide.a, wide.b, out); }, repeats);
  double bf16 =
      bestSeconds([&] { product(narrow.a, narrow.b, outNarrow); }, repeats);
  double widen = 0, narrowing = 0;
  double former = bestSeconds(
      [&] {
        Tensor a = widenHalf(narrow.a), b = widenHalf(narrow.b);
        product(a, b, out);
        narrowHalf(out, outNarrow);
      },
      repeats);
  widen = bestSeconds(
      [&] {
        Tensor a = widenHalf(narrow.a), b = widenHalf(narrow.b);
        (void)a;
      },
      repeats);
  narrowing = bestSeconds([&] { narrowHalf(out, outNarrow); }, repeats);
  std::printf("%-28s %8.1f %8.1f %8.1f %6.2fx %5.1f%%\n", p.name.c_str(),
              gflops(p, f32), gflops(p, bf16), gflops(p, former), f32 / bf16,
              100 * (widen + narrowing) / former);
}

/// One thread: gemmBf16 of f32 operands rounded while packing, against
/// rounding copies of the operands first and the result after.
void f32OperandsSingleThread(const Product &p, int repeats) {
  Operands wide(p, DType::f32);
  const float *a = wide.a.data<float>(), *b = wide.b.data<float>();
  int64_t sizeA = wide.a.numElements(), sizeB = wide.b.numElements();
  std::vector<uint16_t> aBits(sizeA), bBits(sizeB);
  std::vector<float> c(p.m * p.n);
  double fused = bestSeconds(
      [&] {
        gemmBf16(p.transA, p.transB, p.m, p.n, p.k, a, wide.lda(), b,
                 wide.ldb(), c.data(), p.n, /*roundResult=*/true);
      },
      repeats);
  double roundFirst = bestSeconds(
      [&] {
        for (int64_t i = 0; i < sizeA; ++i)
          aBits[i] = bf16Bits(a[i]);
        for (int64_t i = 0; i < sizeB; ++i)
          bBits[i] = bf16Bits(b[i]);
        gemmBf16(p.transA, p.transB, p.m, p.n, p.k, aBits.data(), wide.lda(),
                 bBits.data(), wide.ldb(), c.data(), p.n);
        for (float &x : c)
          x = bf16Value(bf16Bits(x));
      },
      repeats);
  std::printf("%-28s %8.1f %8.1f %6.2fx\n", p.name.c_str(), gflops(p, fused),
              gflops(p, roundFirst), roundFirst / fused);
}

/// The runtime's threads: matmul's bf16 flag on f32 tensors, against
/// narrowing both operands first and the bf16 matmul.
void f32OperandsRuntimeThreads(const Product &p, int repeats) {
  Operands wide(p, DType::f32), narrow(p, DType::bf16);
  Tensor out(DType::f32, {p.m, p.n}), outNarrow(DType::bf16, {p.m, p.n});
  double fused = bestSeconds(
      [&] {
        if (!matmul(wide.a, wide.b, p.transA, p.transB, out, true).ok())
          std::fprintf(stderr, "matmul failed\n");
      },
      repeats);
  double roundFirst = bestSeconds(
      [&] {
        narrowHalf(wide.a, narrow.a);
        narrowHalf(wide.b, narrow.b);
        if (!matmul(narrow.a, narrow.b, p.transA, p.transB, outNarrow).ok())
          std::fprintf(stderr, "matmul failed\n");
      },
      repeats);
  std::printf("%-28s %8.1f %8.1f %6.2fx\n", p.name.c_str(), gflops(p, fused),
              gflops(p, roundFirst), roundFirst / fused);
}

} // namespace

int main(int argc, char **argv) {
  int threads = numThreads(), repeats = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--quick"))
      repeats = 1;
  }
  std::printf("AVX512-BF16 path: %s\n\n", hasBf16DotProduct() ? "yes" : "no");
  std::printf("One thread, GFLOP/s        %8s %8s %8s %7s %6s\n", "sgemm",
              "bf16>f32", "bf16>bf16", "speedup", "round");
  setNumThreads(1);
  for (int64_t tokens : {512, 256})
    for (const Product &p : layerProducts(tokens))
      if (p.name.find(only) != std::string::npos)
        singleThread(p, repeats);
  setNumThreads(threads);
  std::printf("\n%d threads, rt::matmul GFLOP/s %6s %8s %8s %7s %6s\n", threads,
              "f32", "bf16", "widen", "speedup", "conv");
  for (const Product &p : layerProducts(512))
    if (p.name.find(only) != std::string::npos)
      runtimeThreads(p, repeats);
  std::printf("\nf32 operands, 1 thread      %8s %8s %7s\n", "fused", "rnd 1st",
              "gain");
  setNumThreads(1);
  for (const Product &p : layerProducts(512))
    if (p.name.find(only) != std::string::npos)
      f32OperandsSingleThread(p, repeats);
  setNumThreads(threads);
  std::printf("\nf32 operands, %d threads     %8s %8s %7s\n", threads, "fused",
              "rnd 1st", "gain");
  for (const Product &p : layerProducts(512))
    if (p.name.find(only) != std::string::npos)
      f32OperandsRuntimeThreads(p, repeats);
  std::printf(
      "\nspeedup: f32 time over bf16 (bf16 output) time. round: "
      "the extra time of bf16 over f32 output, as a share (a "
      "difference of two timings: noise when near 0). widen: the "
      "former bf16 path (widen, f32 matmul, narrow); conv: its share "
      "spent converting. fused: gemmBf16 / matmul's bf16 flag on f32 operands, "
      "rounded while packed; rnd 1st: rounded copies first; gain: rnd "
      "1st time over fused.\n");
}
