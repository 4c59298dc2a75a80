//===- Conv.cpp - N-d convolution as im2col + GEMM ------------------------===//
#include "runtime/kernels/Conv.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>

namespace starch::rt {

namespace {

/// Outputs with fewer positions than this per image are computed for blocks
/// of images at once, each block about kWideColumns columns wide and its
/// column matrix at most kBlockElements elements (unless one image needs more).
constexpr int64_t kNarrowOutput = 64;
constexpr int64_t kWideColumns = 256;
constexpr int64_t kBlockElements = int64_t(1) << 22;

struct ConvGeometry {
  int64_t spatialRank, channelsPerGroup, outPerGroup, kernelSize, outSize,
      inSize;
  Shape in, kernel, outShape;
};

/// Fills rows [rowBegin, rowEnd) of the im2col matrix (rows = channel x kernel
/// offset, columns = output positions, rows `rowStride` apart) from one
/// image's channels.
template <typename T>
void im2colRows(const T *image, T *columns, int64_t rowStride,
                const ConvGeometry &g, const ConvParams &p, int64_t rowBegin,
                int64_t rowEnd) {
  int64_t k = g.spatialRank;
  std::vector<int64_t> kernelIndex(k), outIndex(k);
  for (int64_t row = rowBegin; row < rowEnd; ++row) {
    int64_t rest = row % g.kernelSize, channel = row / g.kernelSize;
    for (int64_t d = k - 1; d >= 0; --d) {
      kernelIndex[d] = rest % g.kernel[d];
      rest /= g.kernel[d];
    }
    const T *plane = image + channel * g.inSize;
    T *dst = columns + row * rowStride;
    std::fill(outIndex.begin(), outIndex.end(), 0);
    for (int64_t col = 0; col < g.outSize; ++col) {
      int64_t offset = 0;
      bool inside = true;
      for (int64_t d = 0; d < k; ++d) {
        int64_t pos = outIndex[d] * p.strides[d] - p.padLow[d] +
                      kernelIndex[d] * p.dilations[d];
        inside &= pos >= 0 && pos < g.in[d];
        offset = offset * g.in[d] + pos;
      }
      dst[col] = inside ? plane[offset] : T(0);
      for (int64_t d = k - 1; d >= 0; --d) { // next output position
        if (++outIndex[d] < g.outShape[d])
          break;
        outIndex[d] = 0;
      }
    }
  }
}

} // namespace

Status conv(const Tensor &input, const Tensor &filter, const ConvParams &p,
            Tensor &out) {
  int64_t rank = input.rank(), k = rank - 2;
  if (rank < 3 || filter.rank() != rank || out.rank() != rank ||
      static_cast<int64_t>(p.strides.size()) != k ||
      static_cast<int64_t>(p.padLow.size()) != k ||
      static_cast<int64_t>(p.padHigh.size()) != k ||
      static_cast<int64_t>(p.dilations.size()) != k || p.groups <= 0)
    return Status::error("conv: inconsistent ranks or attributes");
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, out.shape());
    if (Status s = conv(widenHalf(input), widenHalf(filter), p, wide); !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t n = input.shape()[0], c = input.shape()[1], o = filter.shape()[0];
  ConvGeometry g;
  g.spatialRank = k;
  g.channelsPerGroup = c / p.groups;
  g.outPerGroup = o / p.groups;
  if (c % p.groups || o % p.groups || filter.shape()[1] != g.channelsPerGroup ||
      out.shape()[0] != n || out.shape()[1] != o)
    return Status::error("conv: channel counts do not fit the groups");
  g.in.assign(input.shape().begin() + 2, input.shape().end());
  g.kernel.assign(filter.shape().begin() + 2, filter.shape().end());
  g.outShape.assign(out.shape().begin() + 2, out.shape().end());
  g.inSize = numElements(g.in);
  g.kernelSize = numElements(g.kernel);
  g.outSize = numElements(g.outShape);
  int64_t columnRows = g.channelsPerGroup * g.kernelSize;
  int64_t images = n * p.groups;
  if (out.numElements() == 0)
    return Status::success();

  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = input.data<T>(), *w = filter.data<T>();
    T *y = out.data<T>();
    auto imageOf = [&](int64_t task) {
      int64_t batch = task / p.groups, group = task % p.groups;
      return x + (batch * c + group * g.channelsPerGroup) * g.inSize;
    };
    auto gemmOf = [&](int64_t task, const T *columns, int64_t col0,
                      int64_t cols) {
      int64_t batch = task / p.groups, group = task % p.groups;
      gemm(false, false, g.outPerGroup, cols, columnRows, T(1),
           w + group * g.outPerGroup * columnRows, columnRows, columns + col0,
           g.outSize, T(0),
           y + (batch * o + group * g.outPerGroup) * g.outSize + col0,
           g.outSize);
    };
    if (g.outSize < kNarrowOutput && n > 1) {
      // Few output positions per image (the filter-gradient convs of
      // starch-autodiff: the kernel's positions, with the batch as channels):
      // one GEMM per image would be narrow and re-read the filter for each,
      // so a block of images of one group goes side by side into one column
      // matrix. The block size does not depend on the thread count, so
      // neither do the results.
      int64_t block = std::min(
          {n, (kWideColumns + g.outSize - 1) / g.outSize,
           std::max<int64_t>(1, kBlockElements / (columnRows * g.outSize))});
      int64_t blocks = (n + block - 1) / block;
      parallelFor(p.groups * blocks, 1, [&](int64_t begin, int64_t end) {
        int64_t width = block * g.outSize;
        std::vector<T> columns(columnRows * width),
            product(g.outPerGroup * width);
        for (int64_t task = begin; task < end; ++task) {
          int64_t group = task / blocks, first = (task % blocks) * block;
          int64_t count = std::min(block, n - first);
          int64_t used = count * g.outSize;
          for (int64_t i = 0; i < count; ++i)
            im2colRows<T>(imageOf((first + i) * p.groups + group),
                          columns.data() + i * g.outSize, used, g, p, 0,
                          columnRows);
          gemm(false, false, g.outPerGroup, used, columnRows, T(1),
               w + group * g.outPerGroup * columnRows, columnRows,
               columns.data(), used, T(0), product.data(), used);
          for (int64_t i = 0; i < count; ++i)
            for (int64_t row = 0; row < g.outPerGroup; ++row)
              std::copy_n(product.data() + row * used + i * g.outSize,
                          g.outSize,
                          y + ((first + i) * o + group * g.outPerGroup + row) *
                                  g.outSize);
        }
      });
      return;
    }
    if (images >= numThreads()) { // one image per task
      parallelFor(images, 1, [&](int64_t begin, int64_t end) {
        std::vector<T> columns(columnRows * g.outSize);
        for (int64_t task = begin; task < end; ++task) {
          im2colRows<T>(imageOf(task), columns.data(), g.outSize, g, p, 0,
                        columnRows);
          gemmOf(task, columns.data(), 0, g.outSize);
        }
      });
      return;
    }
    // Few images: parallelise inside each one.
    std::vector<T> columns(columnRows * g.outSize);
    int64_t colBlock =
        std::max<int64_t>(64, (g.outSize + numThreads() - 1) / numThreads());
    int64_t colBlocks = (g.outSize + colBlock - 1) / colBlock;
    for (int64_t task = 0; task < images; ++task) {
      parallelFor(columnRows, 1, [&](int64_t begin, int64_t end) {
        im2colRows<T>(imageOf(task), columns.data(), g.outSize, g, p, begin,
                      end);
      });
      parallelFor(colBlocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          int64_t col0 = b * colBlock;
          gemmOf(task, columns.data(), col0,
                 std::min(colBlock, g.outSize - col0));
        }
      });
    }
  });
  return ok ? Status::success() : Status::error("conv needs floats");
}

} // namespace starch::rt
