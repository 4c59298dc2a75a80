//===- Calibrate.cpp - Measuring this machine's kernels for the planner ---===//
#include "compiler/Driver/Calibrate.h"

#include "runtime/kernels/Attention.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Matmul.h"

#include "llvm/Support/Format.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace starch::driver {

namespace {

using rt::DType;
using rt::Tensor;

/// Seconds of one call of `run`: the fastest of several timed rounds of
/// repeated calls (at least `minimum` seconds each), after a warm-up call.
double secondsPerCall(const std::function<void()> &run, double minimum = 0.2) {
  run();
  double best = INFINITY;
  for (int round = 0; round < 3; ++round) {
    auto start = std::chrono::steady_clock::now();
    int64_t calls = 0;
    double elapsed = 0;
    do {
      run();
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              start)
                    .count();
    } while (elapsed < minimum);
    best = std::min(best, elapsed / static_cast<double>(calls));
  }
  return best;
}

Tensor filled(rt::Shape shape, float value) {
  Tensor tensor(DType::f32, std::move(shape));
  float *data = tensor.data<float>();
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    data[i] = value * static_cast<float>(1 + i % 7);
  return tensor;
}

void check(rt::Status status, const char *what) {
  if (!status.ok()) {
    llvm::errs() << "starchc --calibrate: " << what
                 << " failed: " << status.message() << "\n";
    std::abort();
  }
}

std::string threads() {
  const char *omp = std::getenv("OMP_NUM_THREADS");
  const char *blas = std::getenv("OPENBLAS_NUM_THREADS");
  std::string text =
      std::to_string(std::thread::hardware_concurrency()) +
      " hardware threads, OMP_NUM_THREADS=" + (omp ? omp : "unset") +
      ", OPENBLAS_NUM_THREADS=" + (blas ? blas : "unset");
  return text;
}

} // namespace

plan::Calibration measureCalibration(llvm::raw_ostream &progress) {
  plan::Calibration c;
  c.machine = threads();
  progress << "calibrating on " << c.machine << "\n";

  // GEMM: a 1024^3 product, CostOpInterface's 2 M N K FLOPs.
  const int64_t n = 1024;
  Tensor a = filled({n, n}, 1e-3f), b = filled({n, n}, 2e-3f);
  Tensor ab(DType::f32, {n, n});
  double gemm = secondsPerCall(
      [&] { check(rt::matmul(a, b, false, false, ab), "matmul"); });
  c.gemmFlopsPerSecond = 2.0 * n * n * n / gemm;
  progress << "  gemm " << llvm::format("%.3g", c.gemmFlopsPerSecond / 1e9)
           << " GFLOP/s (1024 x 1024 x 1024 f32)\n";

  // Attention: 8 heads of 64 over 1024 causal tokens, counted as the
  // interface counts it (every query-key pair).
  const int64_t heads = 8, tokens = 1024, depth = 64;
  Tensor q = filled({1, heads, tokens, depth}, 1e-2f);
  Tensor k = filled({1, heads, tokens, depth}, 2e-2f);
  Tensor v = filled({1, heads, tokens, depth}, 3e-2f);
  Tensor out(DType::f32, {1, heads, tokens, depth});
  double attention = secondsPerCall([&] {
    check(rt::attention(q, k, v, nullptr, nullptr, rt::AttentionMask::causal,
                        1.0 / std::sqrt(double(depth)), out),
          "attention");
  });
  double pairs = double(heads) * tokens * tokens;
  c.attentionFlopsPerSecond = (4.0 * pairs * depth + 5.0 * pairs) / attention;
  progress << "  attention "
           << llvm::format("%.3g", c.attentionFlopsPerSecond / 1e9)
           << " GFLOP/s (8 heads x 1024 causal tokens x 64)\n";

  // Memory-bound ops: an elementwise add of 8M floats reads 2 and writes 1.
  const int64_t elements = int64_t(1) << 23;
  Tensor x = filled({elements}, 1.0f), y = filled({elements}, 2.0f);
  Tensor sum(DType::f32, {elements});
  double add = secondsPerCall(
      [&] { check(rt::binary(rt::BinaryKind::add, x, y, sum), "add"); });
  c.memoryBytesPerSecond = 3.0 * 4 * elements / add;
  progress << "  elementwise "
           << llvm::format("%.3g", c.memoryBytesPerSecond / 1e9)
           << " GB/s (add of 8M f32)\n";

  // The fixed cost of an op: what small ops (a 96 x 64 activation of a
  // small model, its 64 x 64 projection) take beyond the throughputs above.
  Tensor act = filled({96, 64}, 1.0f), weight = filled({64, 64}, 1e-2f);
  Tensor actSum(DType::f32, {96, 64}), projected(DType::f32, {96, 64});
  double smallAdd = secondsPerCall(
      [&] { check(rt::binary(rt::BinaryKind::add, act, act, actSum), "add"); });
  double smallGemm = secondsPerCall([&] {
    check(rt::matmul(act, weight, false, false, projected), "matmul");
  });
  double addBytes = 3.0 * 4 * 96 * 64;
  double gemmFlops = 2.0 * 96 * 64 * 64;
  c.opOverheadSeconds =
      std::max(0.0, (smallAdd - addBytes / c.memoryBytesPerSecond + smallGemm -
                     gemmFlops / c.gemmFlopsPerSecond) /
                        2);
  progress << "  per op " << llvm::format("%.3g", c.opOverheadSeconds * 1e6)
           << " us (beyond the throughputs: a 96 x 64 add and its 64 x 64 "
              "projection)\n";

  // Between ranks on one machine MPI copies through shared memory: into the
  // shared segment and out again. A network is slower: edit the file.
  std::vector<char> from(64 << 20, 1), to(64 << 20);
  double copy =
      secondsPerCall([&] { std::memcpy(to.data(), from.data(), from.size()); });
  c.commBytesPerSecond = static_cast<double>(from.size()) / copy / 2;
  c.commLatencySeconds = plan::defaultCalibration().commLatencySeconds;
  progress << "  between ranks "
           << llvm::format("%.3g", c.commBytesPerSecond / 1e9)
           << " GB/s (half the copy bandwidth; latency "
           << llvm::format("%.3g", c.commLatencySeconds * 1e6)
           << " us, not measured)\n";
  c.source = "measured";
  return c;
}

} // namespace starch::driver
