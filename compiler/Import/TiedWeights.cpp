//===- TiedWeights.cpp - Finding exporters' copies of tied weights --------===//
#include "compiler/Import/TiedWeights.h"

#include "runtime/io/OnnxTensor.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace starch::import {

namespace {

/// Exporter-made names: "val_335", "onnx::MatMul_709", no module path.
bool isExporterName(const std::string &name) {
  return name.rfind("onnx::", 0) == 0 || name.find('.') == std::string::npos;
}

/// Whether `b` (cols x rows) is the transpose of `a` (rows x cols), for
/// elements of type T compared by bits: `b[j][i] == a[i][j]`. Blocks of
/// kBand rows of `a` by one cache line of its columns: the band's lines of
/// `a` are independent loads that stay in L1 for the line's columns, and
/// each row of `b` is read front to back, which the prefetcher follows.
/// (Square tiles read `b` in scattered 128-byte pieces: the framework-weight
/// match compares every weight of a model this way, and spent a quarter of
/// the 128-layer import waiting on them.)
template <typename T>
bool transposedBits(const uint8_t *aBytes, const uint8_t *bBytes, int64_t rows,
                    int64_t cols) {
  constexpr int64_t kBand = 256, kLine = 64 / sizeof(T);
  auto load = [](const uint8_t *base, int64_t index) {
    T value;
    std::memcpy(&value, base + index * sizeof(T), sizeof(T));
    return value;
  };
  for (int64_t i0 = 0; i0 < rows; i0 += kBand)
    for (int64_t j0 = 0; j0 < cols; j0 += kLine) {
      int64_t i1 = std::min(rows, i0 + kBand), j1 = std::min(cols, j0 + kLine);
      for (int64_t j = j0; j < j1; ++j) {
        const uint8_t *bRow = bBytes + j * rows * sizeof(T);
        bool same = true;
        for (int64_t i = i0; i < i1; ++i)
          same &= load(aBytes, i * cols + j) == load(bRow, i);
        if (!same)
          return false;
      }
    }
  return true;
}

/// splitmix64's finaliser: every input bit moves every output bit.
uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

} // namespace

bool isTransposeOf(const rt::Tensor &a, const rt::Tensor &b) {
  if (a.rank() != 2 || b.rank() != 2 || a.dtype() != b.dtype() ||
      a.shape()[0] != b.shape()[1] || a.shape()[1] != b.shape()[0])
    return false;
  int64_t rows = a.shape()[0], cols = a.shape()[1];
  const uint8_t *pa = a.bytes(), *pb = b.bytes();
  switch (rt::dtypeSize(a.dtype())) {
  case 1:
    return transposedBits<uint8_t>(pa, pb, rows, cols);
  case 2:
    return transposedBits<uint16_t>(pa, pb, rows, cols);
  case 4:
    return transposedBits<uint32_t>(pa, pb, rows, cols);
  default:
    return transposedBits<uint64_t>(pa, pb, rows, cols);
  }
}

uint64_t elementsDigest(const rt::Tensor &tensor) {
  auto digest = [&](auto element) {
    using T = decltype(element);
    const uint8_t *bytes = tensor.bytes();
    auto at = [&](int64_t i) {
      T bits;
      std::memcpy(&bits, bytes + i * sizeof(T), sizeof(T));
      return static_cast<uint64_t>(bits);
    };
    uint64_t sum = 0;
    if (tensor.rank() != 2) {
      for (int64_t i = 0, n = tensor.numElements(); i < n; ++i)
        sum += mix(at(i));
      return sum;
    }
    // A matrix's first row and column together, and its diagonal, are the
    // same elements in its transpose: O(rows + cols), not O(rows * cols).
    int64_t rows = tensor.shape()[0], cols = tensor.shape()[1];
    if (rows == 0 || cols == 0)
      return sum;
    for (int64_t j = 0; j < cols; ++j)
      sum += mix(at(j));
    for (int64_t i = 0; i < rows; ++i)
      sum += mix(at(i * cols));
    for (int64_t d = 0; d < std::min(rows, cols); ++d)
      sum += mix(at(d * cols + d) ^ 0x9e3779b97f4a7c15ull);
    return sum;
  };
  switch (rt::dtypeSize(tensor.dtype())) {
  case 1:
    return digest(uint8_t());
  case 2:
    return digest(uint16_t());
  case 4:
    return digest(uint32_t());
  default:
    return digest(uint64_t());
  }
}

std::map<std::string, std::string> findTransposedCopies(
    const std::map<std::string, const onnx::TensorProto *> &initializers,
    const std::set<std::string> &candidates, const std::string &baseDir) {
  // Only pairs of shapes (m, n) and (n, m) can match; group by the sorted
  // pair and decode a tensor only when its group has two members.
  std::map<std::pair<int64_t, int64_t>, std::vector<std::string>> groups;
  for (const std::string &name : candidates) {
    const onnx::TensorProto &proto = *initializers.at(name);
    if (proto.dims_size() != 2)
      continue;
    int64_t m = proto.dims(0), n = proto.dims(1);
    groups[{std::min(m, n), std::max(m, n)}].push_back(name);
  }
  std::map<std::string, std::string> copies;
  for (auto &[shape, names] : groups) {
    if (names.size() < 2)
      continue;
    std::map<std::string, rt::Tensor> data;
    std::map<std::string, uint64_t> digests;
    for (const std::string &name : names) {
      std::string error;
      rt::Tensor tensor;
      if (rt::decodeOnnxTensor(*initializers.at(name), baseDir, tensor,
                               error)) {
        digests[name] = elementsDigest(tensor);
        data[name] = std::move(tensor);
      }
    }
    // Originals first, so a copy always points at a module-path weight when
    // there is one.
    std::vector<std::string> order(names);
    std::stable_sort(order.begin(), order.end(),
                     [](const std::string &a, const std::string &b) {
                       return !isExporterName(a) && isExporterName(b);
                     });
    for (size_t i = 0; i < order.size(); ++i) {
      if (copies.count(order[i]) || !data.count(order[i]))
        continue;
      for (size_t j = i + 1; j < order.size(); ++j)
        if (!copies.count(order[j]) && data.count(order[j]) &&
            digests[order[i]] == digests[order[j]] &&
            isTransposeOf(data[order[i]], data[order[j]]))
          copies[order[j]] = order[i];
    }
  }
  return copies;
}

} // namespace starch::import
