//===- CheckpointFuzzer.cpp - libFuzzer target: training checkpoints ------===//
//
// Bytes as DIR/checkpoint.safetensors -> resumeCheckpoint for a small
// program (CheckpointProgram.h), as rank 0 of one process. Past the
// safetensors reader (its own target), this reaches what only resuming
// checks: format and version, the checksum of every metadata field and
// tensor, the parameters' presence, types and shapes, finite trained
// values and the step, data position and generator state; for a sharded
// checkpoint's index (format 3) the index's JSON and its blocks' cover,
// up to opening the rank files it names (absent here, or the index itself). Its
// errors are thrown as std::runtime_error with a message; anything else is a
// finding.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/ShardedCheckpoint.h"
#include "test/fuzz/CheckpointProgram.h"
#include "test/fuzz/ScratchFile.h"

#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  starch::fuzz::writeScratchFile(starch::rt::kCheckpointFileName, data, size);
  starch::rt::ParamStore params;
  try {
    starch::rt::resumeCheckpoint(starch::fuzz::scratchFolder(),
                                 starch::fuzz::checkpointProgram(), 0, params);
  } catch (const std::runtime_error &error) {
    if (std::string(error.what()).empty() || !params.empty())
      __builtin_trap();
  }
  return 0;
}
