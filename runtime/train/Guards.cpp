//===- Guards.cpp - Checks around the training step -----------------------===//
#include "runtime/train/Guards.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace starch::rt {

namespace {

/// -100: the label the loss ignores (docs/training.md).
constexpr int64_t kIgnoredLabel = -100;

template <typename T> int64_t firstNonFiniteOf(const T *data, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i]))
      return i;
  return -1;
}

/// f16 and bf16: every exponent bit set is an infinity or a NaN.
int64_t firstNonFiniteBits(const uint16_t *data, int64_t n, uint16_t exponent) {
  for (int64_t i = 0; i < n; ++i)
    if ((data[i] & exponent) == exponent)
      return i;
  return -1;
}

std::string valueText(float value) {
  return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

} // namespace

int64_t firstNonFinite(const Tensor &tensor) {
  int64_t n = tensor.numElements();
  switch (tensor.dtype()) {
  case DType::f32:
    return firstNonFiniteOf(tensor.data<float>(), n);
  case DType::f64:
    return firstNonFiniteOf(tensor.data<double>(), n);
  case DType::f16:
    return firstNonFiniteBits(tensor.data<uint16_t>(), n, 0x7c00);
  case DType::bf16:
    return firstNonFiniteBits(tensor.data<uint16_t>(), n, 0x7f80);
  default:
    return -1;
  }
}

std::vector<int64_t> unscoredMicroBatches(const ProgramSpec &spec,
                                          const StepInputs &batch) {
  std::set<int64_t> placeholders;
  for (const ModalitySpec &modality : spec.modalities)
    placeholders.insert(modality.placeholderToken);
  const int64_t sequences = spec.batchSize, length = spec.sequenceLength;
  const int64_t *tokens = batch.tokens.data<int64_t>();
  const int64_t *labels = batch.labels.data<int64_t>();
  std::vector<int64_t> unscored;
  for (int64_t micro = 0; micro < spec.microBatches; ++micro) {
    bool scored = false;
    for (int64_t row = 0; row < sequences && !scored; ++row) {
      int64_t base = (micro * sequences + row) * length;
      // Position 0 predicts nothing: the loss scores labels 1..length-1.
      for (int64_t s = 1; s < length && !scored; ++s)
        scored = labels[base + s] != kIgnoredLabel &&
                 !placeholders.count(tokens[base + s]);
    }
    if (!scored)
      unscored.push_back(micro);
  }
  return unscored;
}

bool isFiniteStep(const StepOutputs &outputs) {
  return std::isfinite(outputs.loss) && std::isfinite(outputs.gradNorm);
}

std::string describeNonFiniteStep(const ProgramSpec &spec, int64_t step,
                                  const StepOutputs &outputs) {
  std::string text = "step " + std::to_string(step) + ": ";
  if (!std::isfinite(outputs.loss))
    text += "the loss is " + valueText(outputs.loss);
  if (!std::isfinite(outputs.gradNorm))
    text += std::string(std::isfinite(outputs.loss) ? "" : " and ") +
            "the gradient norm is " + valueText(outputs.gradNorm);
  const std::vector<float> &norms = outputs.paramGradNorms;
  if (norms.empty() || norms.size() != spec.gradNormParams.size())
    return text;
  auto nameOf = [&](size_t i) {
    return "'" + spec.params[spec.gradNormParams[i]].name + "'";
  };
  size_t first = norms.size(), largest = 0, broken = 0;
  for (size_t i = 0; i < norms.size(); ++i) {
    if (!std::isfinite(norms[i])) {
      broken += 1;
      first = std::min(first, i);
    } else if (norms[i] > norms[largest] || !std::isfinite(norms[largest])) {
      largest = i;
    }
  }
  std::string count = std::to_string(norms.size()) + " trainable parameters";
  if (first < norms.size())
    return text +
           "; the first parameter whose gradient norm is not finite "
           "is " +
           nameOf(first) + " (" + valueText(norms[first]) + "; " +
           std::to_string(broken) + " of " + count + ")";
  if (std::isfinite(outputs.gradNorm))
    return text;
  char largestNorm[32];
  std::snprintf(largestNorm, sizeof largestNorm, "%.3g", norms[largest]);
  return text + "; the gradient norm of each of the " + count +
         " is finite, but the sum of their squares overflows f32; the "
         "largest is " +
         nameOf(largest) + " (" + largestNorm + ")";
}

} // namespace starch::rt
