//===- Guards.h - Checks around the training step --------------*- C++ -*-===//
//
// What the step loop checks around trainStep(): batches in which nothing is
// scored, and steps whose loss or gradient norm is not finite (the run stops
// before such a state can be checkpointed). docs/train-binary.md, "Guards".
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_GUARDS_H
#define STARCH_RUNTIME_TRAIN_GUARDS_H

#include "runtime/train/Program.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

/// The index of the first NaN or infinity of a floating-point tensor; -1
/// when every element is finite or the tensor holds integers.
int64_t firstNonFinite(const Tensor &tensor);

/// The micro-batches (0-based) of `batch` whose loss scores no label: every
/// label is -100, at position 0 (which nothing predicts), or at a
/// placeholder token of one of `spec.modalities` (whose labels the loss
/// ignores).
std::vector<int64_t> unscoredMicroBatches(const ProgramSpec &spec,
                                          const StepInputs &batch);

/// Whether a step's loss and gradient norm are both finite.
bool isFiniteStep(const StepOutputs &outputs);

/// For a step that is not finite: "step 4: the gradient norm is inf; the
/// first parameter whose gradient norm is not finite is 'w' (inf; 1 of 21
/// trainable parameters)", from StepOutputs::paramGradNorms when the
/// program reports them. When every parameter's norm is finite but the
/// global norm is not (their squares overflow the f32 sum), names the
/// largest instead.
std::string describeNonFiniteStep(const ProgramSpec &spec, int64_t step,
                                  const StepOutputs &outputs);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_GUARDS_H
