//===- CheckpointProgram.cpp - The program the checkpoint target resumes --===//
#include "test/fuzz/CheckpointProgram.h"

namespace starch::fuzz {

const rt::ProgramSpec &checkpointProgram() {
  static const rt::ProgramSpec spec = [] {
    using rt::DType;
    using rt::ParamKind;
    rt::ProgramSpec spec;
    spec.model = "fuzz-tiny";
    spec.params = {
        {"llm.w", "w", DType::f32, {2, 3}, ParamKind::trainable},
        {"llm.norm", "norm", DType::bf16, {3}, ParamKind::trainable},
        {"llm.rope", "rope", DType::f32, {4}, ParamKind::buffer},
        {"llm.position_ids",
         "position_ids",
         DType::i64,
         {4},
         ParamKind::buffer},
        {"llm.w.adam_m", "", DType::f32, {2, 3}, ParamKind::optimizerState},
    };
    return spec;
  }();
  return spec;
}

} // namespace starch::fuzz
