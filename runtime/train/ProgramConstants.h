//===- ProgramConstants.h - Loading a program's constants file --*- C++ -*-===//
//
// The generated code places its constants at fixed offsets of one block of
// data read at start-up from the file beside the executable
// (ProgramSpec::constants), so a missing or stale file is reported before
// any weights are loaded.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_PROGRAMCONSTANTS_H
#define STARCH_RUNTIME_TRAIN_PROGRAMCONSTANTS_H

#include "runtime/train/Program.h"

#include <cstdint>
#include <string>

namespace starch::rt {

/// Loads `spec.constants` from the folder of the running executable; does
/// nothing for a program without constants.
bool loadProgramConstants(const ProgramSpec &spec, std::string &error);

/// The loaded payload; null before loadProgramConstants succeeded.
const uint8_t *programConstants();

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_PROGRAMCONSTANTS_H
