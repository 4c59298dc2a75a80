//===- CurrentCommunicator.cpp - The communicator kernels talk through ----===//
#include "runtime/comm/CurrentCommunicator.h"

#include <atomic>

namespace starch::rt {

namespace {
thread_local Communicator *threadCommunicator = nullptr;
std::atomic<Communicator *> processCommunicator{nullptr};
} // namespace

Communicator *currentCommunicator() {
  return threadCommunicator ? threadCommunicator : processCommunicator.load();
}

void setCurrentCommunicator(Communicator *communicator, bool everyThread) {
  threadCommunicator = communicator;
  if (everyThread)
    processCommunicator = communicator;
}

} // namespace starch::rt
