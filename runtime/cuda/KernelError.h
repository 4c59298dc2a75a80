//===- KernelError.h - Data errors found inside CUDA kernels ----*- C++ -*-===//
//
// A kernel cannot return a Status: it records a code in its context's error
// word (the first one wins), and DeviceContext::synchronize turns the code
// into a message.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_KERNELERROR_H
#define STARCH_RUNTIME_CUDA_KERNELERROR_H

namespace starch::rt::cuda {

enum KernelError : int {
  kNoKernelError = 0,
  kGatherIndexOutOfRange = 1,
  kLabelOutOfRange = 2,
};

inline const char *kernelErrorMessage(int code) {
  switch (code) {
  case kNoKernelError:
    return "no error";
  case kGatherIndexOutOfRange:
    return "gather or scatter_add: an index is out of range for its "
           "dimension";
  case kLabelOutOfRange:
    return "cross_entropy: a label is outside [0, classes) and is not the "
           "ignore index";
  }
  return "unknown kernel error";
}

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_KERNELERROR_H
