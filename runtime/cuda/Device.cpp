//===- Device.cpp - Devices, streams, device memory and errors ------------===//
#include "runtime/cuda/Device.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

namespace starch::rt::cuda {

Status check(cudaError_t error, const char *what) {
  if (error == cudaSuccess)
    return Status::success();
  return Status::error(std::string("cuda: ") + what + ": " +
                       cudaGetErrorName(error) + ": " +
                       cudaGetErrorString(error));
}

Status check(cublasStatus_t status, const char *what) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  return Status::error(std::string("cublas: ") + what + ": " +
                       cublasGetStatusName(status) + ": " +
                       cublasGetStatusString(status));
}

Status probeDevices(int &count) {
  count = 0; // cudaGetDeviceCount leaves it unset when it fails
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    count = 0;
    cudaGetLastError(); // reset the runtime's last-error state
    return Status::error("no GPU: " +
                         check(error, "cudaGetDeviceCount").message());
  }
  if (count == 0)
    return Status::error("no GPU: the CUDA driver reports no device");
  return Status::success();
}

int deviceCount() {
  int count = 0;
  (void)probeDevices(count);
  return count;
}

//===--- DeviceContext ----------------------------------------------------===//

Status DeviceContext::create(int device, std::unique_ptr<DeviceContext> &out) {
  int count = 0;
  if (Status s = probeDevices(count); !s)
    return s;
  if (device < 0 || device >= count)
    return Status::error("cuda: device " + std::to_string(device) +
                         " does not exist (" + std::to_string(count) +
                         " visible)");
  std::unique_ptr<DeviceContext> context(new DeviceContext());
  context->device_ = device;
  if (Status s = check(cudaSetDevice(device), "cudaSetDevice"); !s)
    return s;
  if (Status s = check(
          cudaStreamCreateWithFlags(&context->stream_, cudaStreamNonBlocking),
          "cudaStreamCreate");
      !s)
    return s;
  if (Status s = check(cublasCreate(&context->cublas_), "cublasCreate"); !s)
    return s;
  if (Status s = check(cublasSetStream(context->cublas_, context->stream_),
                       "cublasSetStream");
      !s)
    return s;
  void *word = nullptr;
  if (Status s =
          check(cudaMalloc(&word, sizeof(int)), "cudaMalloc (error word)");
      !s)
    return s;
  context->errorWord_ = static_cast<int *>(word);
  if (Status s = check(cudaMemsetAsync(context->errorWord_, 0, sizeof(int),
                                       context->stream_),
                       "cudaMemsetAsync");
      !s)
    return s;
  if (Status s = context->synchronize(); !s)
    return s;
  out = std::move(context);
  return Status::success();
}

DeviceContext::~DeviceContext() {
  // Errors are ignored: a destructor has nobody to report them to.
  if (stream_)
    cudaStreamSynchronize(stream_);
  if (cublas_)
    cublasDestroy(cublas_);
  if (errorWord_)
    cudaFree(errorWord_);
  if (scratch_)
    cudaFree(scratch_);
  if (stream_)
    cudaStreamDestroy(stream_);
}

Status DeviceContext::synchronize() {
  if (Status s = check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
      !s)
    return s;
  int code = kNoKernelError;
  if (Status s = check(cudaMemcpyAsync(&code, errorWord_, sizeof(int),
                                       cudaMemcpyDeviceToHost, stream_),
                       "reading the kernel error word");
      !s)
    return s;
  if (Status s = check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
      !s)
    return s;
  if (code == kNoKernelError)
    return Status::success();
  // Cleared in stream order: kernels queued after this call see 0.
  if (Status s = check(cudaMemsetAsync(errorWord_, 0, sizeof(int), stream_),
                       "clearing the kernel error word");
      !s)
    return s;
  return Status::error(std::string("cuda kernel: ") + kernelErrorMessage(code));
}

Status DeviceContext::scratch(size_t bytes, void *&out) {
  if (bytes > scratchBytes_ || !scratch_) {
    if (scratch_)
      cudaFree(scratch_); // waits for the kernels still using it
    scratch_ = nullptr;
    scratchBytes_ = 0;
    size_t rounded = Arena::alignUp(bytes ? bytes : 1);
    if (Status s =
            check(cudaMalloc(&scratch_, rounded), "cudaMalloc (scratch)");
        !s)
      return s;
    scratchBytes_ = rounded;
  }
  out = scratch_;
  return Status::success();
}

namespace {
thread_local DeviceContext *threadContext = nullptr;
} // namespace

/// This process's index among the ranks of its machine, as the launcher
/// tells it (mpirun, srun, hydra), so that the ranks of one machine each
/// take their own device; 0 when not launched as a rank.
static int localRank() {
  for (const char *name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID",
                           "MPI_LOCALRANKID", "LOCAL_RANK"})
    if (const char *value = std::getenv(name)) {
      char *end = nullptr;
      long rank = std::strtol(value, &end, 10);
      if (end != value && *end == '\0' && rank >= 0 && rank < (1 << 20))
        return static_cast<int>(rank);
    }
  return 0;
}

void DeviceContext::setCurrent(DeviceContext *context) {
  threadContext = context;
}

Status DeviceContext::current(DeviceContext *&out) {
  if (threadContext) {
    out = threadContext;
    return Status::success();
  }
  // Created once and never destroyed: tearing a context down during static
  // destruction races the CUDA runtime's own shutdown.
  static std::mutex mutex;
  static DeviceContext *fallback = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (!fallback) {
    int count = 0;
    if (Status s = probeDevices(count); !s)
      return s;
    std::unique_ptr<DeviceContext> created;
    if (Status s = create(count > 0 ? localRank() % count : 0, created); !s)
      return s;
    fallback = created.release();
  }
  out = fallback;
  return Status::success();
}

//===--- Arena ------------------------------------------------------------===//

Arena::~Arena() { release(); }

Arena::Arena(Arena &&other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      used_(std::exchange(other.used_, 0)) {}

Arena &Arena::operator=(Arena &&other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    used_ = std::exchange(other.used_, 0);
  }
  return *this;
}

void Arena::release() {
  if (base_)
    cudaFree(base_);
  base_ = nullptr;
  capacity_ = 0;
  used_ = 0;
}

Status Arena::reserve(size_t capacity) {
  release();
  size_t rounded = alignUp(capacity == 0 ? 1 : capacity);
  void *memory = nullptr;
  if (Status s =
          check(cudaMalloc(&memory, rounded),
                ("cudaMalloc of a " + std::to_string(rounded) + "-byte arena")
                    .c_str());
      !s)
    return s;
  base_ = static_cast<uint8_t *>(memory);
  capacity_ = rounded;
  return Status::success();
}

Status Arena::at(size_t offset, DType dtype, Shape shape, Tensor &out) const {
  size_t bytes = static_cast<size_t>(numElements(shape)) * dtypeSize(dtype);
  if (!base_)
    return Status::error("cuda arena: no memory reserved");
  if (offset % dtypeSize(dtype))
    return Status::error("cuda arena: offset " + std::to_string(offset) +
                         " is not aligned for " + dtypeName(dtype));
  if (offset > capacity_ || bytes > capacity_ - offset)
    return Status::error("cuda arena: " + std::to_string(bytes) +
                         " bytes at offset " + std::to_string(offset) +
                         " pass the end of a " + std::to_string(capacity_) +
                         "-byte arena");
  out = Tensor::view(dtype, std::move(shape), base_ + offset);
  return Status::success();
}

Status Arena::allocateBytes(size_t bytes, size_t &offset) {
  if (!base_)
    return Status::error("cuda arena: no memory reserved");
  size_t start = alignUp(used_);
  if (start > capacity_ || bytes > capacity_ - start)
    return Status::error(
        "cuda arena: out of memory (" + std::to_string(bytes) +
        " bytes wanted, " +
        std::to_string(capacity_ - std::min(start, capacity_)) + " free)");
  offset = start;
  used_ = start + bytes;
  return Status::success();
}

Status Arena::allocate(DType dtype, Shape shape, Tensor &out) {
  size_t bytes = static_cast<size_t>(numElements(shape)) * dtypeSize(dtype);
  size_t offset = 0;
  if (Status s = allocateBytes(bytes, offset); !s)
    return s;
  return at(offset, dtype, std::move(shape), out);
}

//===--- Copies -----------------------------------------------------------===//

namespace {
Status checkSameBytes(const Tensor &a, const Tensor &b, const char *what) {
  if (a.dtype() != b.dtype() || a.numElements() != b.numElements())
    return Status::error(std::string("cuda ") + what + ": " +
                         dtypeName(a.dtype()) + " " + shapeString(a.shape()) +
                         " and " + dtypeName(b.dtype()) + " " +
                         shapeString(b.shape()) + " differ");
  return Status::success();
}
} // namespace

Status copyToDevice(const Tensor &host, Tensor &device) {
  if (Status s = checkSameBytes(host, device, "copyToDevice"); !s)
    return s;
  DeviceContext *context = nullptr;
  if (Status s = DeviceContext::current(context); !s)
    return s;
  if (host.byteSize() == 0)
    return Status::success();
  if (Status s =
          check(cudaMemcpyAsync(device.bytes(), host.bytes(), host.byteSize(),
                                cudaMemcpyHostToDevice, context->stream()),
                "cudaMemcpyAsync (host to device)");
      !s)
    return s;
  // The host buffer may be freed right after the call returns.
  return check(cudaStreamSynchronize(context->stream()),
               "cudaStreamSynchronize");
}

Status copyToHost(const Tensor &device, Tensor &host) {
  if (Status s = checkSameBytes(device, host, "copyToHost"); !s)
    return s;
  DeviceContext *context = nullptr;
  if (Status s = DeviceContext::current(context); !s)
    return s;
  if (device.byteSize() != 0) {
    if (Status s = check(
            cudaMemcpyAsync(host.bytes(), device.bytes(), device.byteSize(),
                            cudaMemcpyDeviceToHost, context->stream()),
            "cudaMemcpyAsync (device to host)");
        !s)
      return s;
  }
  return context->synchronize();
}

Status copyOnDevice(const Tensor &from, Tensor &to) {
  if (Status s = checkSameBytes(from, to, "copyOnDevice"); !s)
    return s;
  DeviceContext *context = nullptr;
  if (Status s = DeviceContext::current(context); !s)
    return s;
  if (from.byteSize() == 0)
    return Status::success();
  return check(cudaMemcpyAsync(to.bytes(), from.bytes(), from.byteSize(),
                               cudaMemcpyDeviceToDevice, context->stream()),
               "cudaMemcpyAsync (device to device)");
}

Status upload(const Tensor &host, Arena &arena, Tensor &device) {
  if (Status s = arena.allocate(host.dtype(), host.shape(), device); !s)
    return s;
  return copyToDevice(host, device);
}

Status download(const Tensor &device, Tensor &host) {
  host = Tensor::uninitialized(device.dtype(), device.shape());
  return copyToHost(device, host);
}

} // namespace starch::rt::cuda
