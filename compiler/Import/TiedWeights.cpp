//===- TiedWeights.cpp - Finding exporters' copies of tied weights --------===//
#include "compiler/Import/TiedWeights.h"

#include "runtime/io/OnnxTensor.h"

#include <cstring>
#include <vector>

namespace starch::import {

namespace {

/// Exporter-made names: "val_335", "onnx::MatMul_709", no module path.
bool isExporterName(const std::string &name) {
  return name.rfind("onnx::", 0) == 0 || name.find('.') == std::string::npos;
}

} // namespace

bool isTransposeOf(const rt::Tensor &a, const rt::Tensor &b) {
  if (a.rank() != 2 || b.rank() != 2 || a.dtype() != b.dtype() ||
      a.shape()[0] != b.shape()[1] || a.shape()[1] != b.shape()[0])
    return false;
  int64_t rows = a.shape()[0], cols = a.shape()[1];
  size_t size = rt::dtypeSize(a.dtype());
  const uint8_t *pa = a.bytes(), *pb = b.bytes();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if (std::memcmp(pa + (i * cols + j) * size, pb + (j * rows + i) * size,
                      size) != 0)
        return false;
  return true;
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
    for (const std::string &name : names) {
      std::string error;
      rt::Tensor tensor;
      if (rt::decodeOnnxTensor(*initializers.at(name), baseDir, tensor, error))
        data[name] = std::move(tensor);
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
            isTransposeOf(data[order[i]], data[order[j]]))
          copies[order[j]] = order[i];
    }
  }
  return copies;
}

} // namespace starch::import
