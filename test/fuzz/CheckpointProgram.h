//===- CheckpointProgram.h - The program the checkpoint target resumes ----===//
//
// A small training program's parameters: every kind (trainable, frozen
// weights' buffers, optimizer state) and the element types whose
// finiteness is checked differently (f32, bf16, i64). The checkpoint fuzz
// target loads its inputs for this program; CheckpointSeeds.cpp writes its
// seeds from it.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_FUZZ_CHECKPOINTPROGRAM_H
#define STARCH_TEST_FUZZ_CHECKPOINTPROGRAM_H

#include "runtime/train/Program.h"

namespace starch::fuzz {

const rt::ProgramSpec &checkpointProgram();

} // namespace starch::fuzz

#endif // STARCH_TEST_FUZZ_CHECKPOINTPROGRAM_H
