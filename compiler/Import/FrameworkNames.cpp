//===- FrameworkNames.cpp - Exporter initializers as framework weights ----===//
#include "compiler/Import/FrameworkNames.h"
#include "compiler/Import/TiedWeights.h"

#include "runtime/io/OnnxTensor.h"
#include "runtime/io/Safetensors.h"

#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace starch::import {

namespace {

bool allEqual(const rt::Tensor &tensor) {
  size_t size = rt::dtypeSize(tensor.dtype());
  const uint8_t *data = tensor.bytes();
  for (int64_t i = 1, n = tensor.numElements(); i < n; ++i)
    if (std::memcmp(data, data + i * size, size) != 0)
      return false;
  return true;
}

/// Whether every f32 element of `data` is `1 + ` that of `reference`,
/// rounded as f32 (how exporters fold Gemma's `1 + weight`).
bool isOnePlus(const rt::Tensor &reference, const rt::Tensor &data) {
  if (reference.dtype() != rt::DType::f32 || data.dtype() != rt::DType::f32 ||
      reference.numElements() != data.numElements())
    return false;
  const float *w = reference.data<float>(), *folded = data.data<float>();
  for (int64_t i = 0, n = data.numElements(); i < n; ++i) {
    float sum = 1.0f + w[i];
    if (std::memcmp(&sum, &folded[i], sizeof(float)) != 0)
      return false;
  }
  return true;
}

/// The element count of one slice along dimension 0 when every one of the
/// (more than one) slices is the same bytes, else 0.
int64_t repeatedSlice(const rt::Tensor &tensor) {
  if (tensor.rank() < 2 || tensor.shape()[0] < 2)
    return 0;
  int64_t slice = tensor.numElements() / tensor.shape()[0];
  size_t bytes = slice * rt::dtypeSize(tensor.dtype());
  for (int64_t i = 1; i < tensor.shape()[0]; ++i)
    if (std::memcmp(tensor.bytes(), tensor.bytes() + i * bytes, bytes) != 0)
      return 0;
  return slice;
}

/// Whether `b` has the transposed shape of `a`, both matrices: the pairs
/// isTransposeOf can match, with elementsDigest computed for both.
/// The first (up to) eight bytes of `tensor`: unequal ones settle that two
/// tensors differ before their data is read.
uint64_t headOf(const rt::Tensor &tensor) {
  uint64_t head = 0;
  if (size_t bytes = std::min<size_t>(8, tensor.byteSize()))
    std::memcpy(&head, tensor.bytes(), bytes);
  return head;
}

bool transposedShapes(const rt::Tensor &a, const rt::Tensor &b) {
  return a.rank() == 2 && b.rank() == 2 && a.shape()[0] == b.shape()[1] &&
         a.shape()[1] == b.shape()[0];
}

} // namespace

bool matchFrameworkWeights(
    const std::map<std::string, const onnx::TensorProto *> &initializers,
    const std::set<std::string> &weights, const std::set<std::string> &folded,
    const std::string &baseDir, const std::string &frameworkPath,
    std::map<std::string, FrameworkMatch> &matches, std::string &error) {
  rt::SafetensorsFile file;
  if (!file.open(frameworkPath, error))
    return false;
  // Both files are read in place (MappedFile.h), not copied: every tensor
  // of both is read once, some twice. A file that cannot be mapped is read.
  std::string unmapped;
  file.map(unmapped);
  rt::ExternalMappings mappings;
  // Framework tensors by (dtype, element count): only those can match, so
  // an initializer is decoded only when its bucket is not empty. Each
  // candidate's first bytes and digest sit in one array: most candidates of
  // a bucket (a deep model's same-shaped weights) are told apart there,
  // without touching their data.
  struct Candidate {
    std::string name;
    rt::Tensor tensor;
    uint64_t head, digest;
  };
  std::vector<Candidate> framework;
  std::map<std::pair<rt::DType, int64_t>, std::vector<size_t>> buckets;
  for (const std::string &name : file.names()) {
    rt::Tensor tensor;
    if (!file.load(name, tensor, error))
      return false;
    if (tensor.numElements() > 1)
      buckets[{tensor.dtype(), tensor.numElements()}].push_back(
          framework.size());
    uint64_t digest = tensor.rank() == 2 ? elementsDigest(tensor) : 0;
    framework.push_back({name, tensor, headOf(tensor), digest});
  }
  const std::vector<size_t> none;
  for (auto &[name, proto] : initializers) {
    std::optional<rt::DType> dtype = rt::dtypeFromOnnx(proto->data_type());
    if (!dtype || !rt::isFloat(*dtype))
      continue;
    int64_t count = 1;
    for (int64_t dim : proto->dims())
      count *= dim;
    auto bucket = buckets.find({*dtype, count});
    // A repeated slice is looked for only in initializers of rank >= 2 whose
    // slices have framework tensors of their size.
    int64_t sliceCount = proto->dims_size() >= 2 && proto->dims(0) > 1
                             ? count / proto->dims(0)
                             : 0;
    auto sliceBucket =
        sliceCount > 1 ? buckets.find({*dtype, sliceCount}) : buckets.end();
    if (count <= 1 || (bucket == buckets.end() && sliceBucket == buckets.end()))
      continue;
    const std::vector<size_t> &candidates =
        bucket == buckets.end() ? none : bucket->second;
    rt::Tensor data;
    std::string ignored;
    if (!rt::mapOnnxTensor(*proto, baseDir, mappings, data, ignored))
      continue; // the importer reports unreadable data where it is used
    if (allEqual(data) && !weights.count(name))
      continue;
    std::vector<std::pair<size_t, FrameworkMatch::Layout>> found;
    uint64_t head = headOf(data);
    uint64_t digest = data.rank() == 2 ? elementsDigest(data) : 0;
    for (size_t c : candidates) {
      const Candidate &candidate = framework[c];
      // Same bytes in any shape; a transpose only where the digests, which
      // a transpose keeps, agree.
      if (candidate.head == head &&
          std::memcmp(candidate.tensor.bytes(), data.bytes(),
                      data.byteSize()) == 0)
        found.push_back({c, FrameworkMatch::Layout::sameOrder});
      else if (candidate.digest == digest &&
               transposedShapes(candidate.tensor, data) &&
               isTransposeOf(candidate.tensor, data))
        found.push_back({c, FrameworkMatch::Layout::transposed});
    }
    if (found.empty() && folded.count(name))
      for (size_t c : candidates)
        if (framework[c].tensor.shape() == data.shape() &&
            isOnePlus(framework[c].tensor, data))
          found.push_back({c, FrameworkMatch::Layout::plusOne});
    if (found.empty() && sliceBucket != buckets.end() &&
        repeatedSlice(data) == sliceCount)
      for (size_t c : sliceBucket->second)
        if (std::memcmp(framework[c].tensor.bytes(), data.bytes(),
                        framework[c].tensor.byteSize()) == 0)
          found.push_back({c, FrameworkMatch::Layout::repeated});
    if (found.empty())
      continue;
    auto best = std::find_if(found.begin(), found.end(), [&](const auto &f) {
      return llvm::StringRef(name).ends_with(framework[f.first].name);
    });
    // A value made from a tensor (one plus it, it repeated) that several
    // tensors explain is ambiguous (a fresh Gemma's zero norm weights all
    // give the same all-ones `1 + weight`): it is left unmatched, so it
    // stays the folded value and starchc warns, rather than tying
    // parameters together.
    bool derived = found.front().second == FrameworkMatch::Layout::plusOne ||
                   found.front().second == FrameworkMatch::Layout::repeated;
    if (best == found.end() && derived && found.size() > 1)
      continue;
    if (best == found.end())
      best = found.begin();
    const Candidate &match = framework[best->first];
    matches[name] = {match.name, best->second, match.tensor.dtype(),
                     match.tensor.shape()};
  }
  return true;
}

} // namespace starch::import
