//===- CurrentCommunicator.h - The communicator kernels talk through -*- C++ -*-===//
//
// Collective kernels (runtime/kernels/Collective.h) have the signature of
// every other kernel, so the interpreter and the generated code call them
// alike; the communicator they use is set per thread: a training program's
// main sets its MpiWorld once, `starch-run --ranks N` sets each rank
// thread's LocalWorld communicator.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_CURRENTCOMMUNICATOR_H
#define STARCH_RUNTIME_COMM_CURRENTCOMMUNICATOR_H

#include "runtime/comm/Communicator.h"

namespace starch::rt {

/// This thread's communicator, or null in a single-rank run.
Communicator *currentCommunicator();

/// Sets it for the calling thread and, when `everyThread`, as the default
/// of threads that set none (a process with one rank per process).
void setCurrentCommunicator(Communicator *communicator,
                            bool everyThread = false);

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_CURRENTCOMMUNICATOR_H
