//===- Device.h - Devices, streams, device memory and errors ----*- C++ -*-===//
//
// The host side of the CUDA runtime: which devices exist, the context that
// kernels run in (device, stream, cuBLAS handle, kernel error word), an arena
// of device memory that generated code carves at compile-time byte offsets,
// and copies between host and device tensors.
//
// Device tensors are ordinary rt::Tensor values made with Tensor::view over
// device memory: their shape and dtype live on the host, their bytes on the
// device. Host code must never dereference their data().
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_DEVICE_H
#define STARCH_RUNTIME_CUDA_DEVICE_H

#include "runtime/Tensor.h"
#include "runtime/cuda/KernelError.h"
#include "runtime/kernels/Status.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>

namespace starch::rt::cuda {

/// Success, or "cuda: <what>: <error name>: <description>".
Status check(cudaError_t error, const char *what);
/// Success, or "cublas: <what>: <status name>: <description>".
Status check(cublasStatus_t status, const char *what);

/// Number of usable devices; 0 (never an error) when there is no driver, no
/// device, or the runtime cannot start.
int deviceCount();
/// Like deviceCount, but an error Status says why there is no device
/// ("no GPU: cuda: cudaGetDeviceCount: cudaErrorInsufficientDriver: ...").
Status probeDevices(int &count);

/// Where the kernels of a thread run: one device, one stream (all kernels and
/// copies of the context are ordered on it), a cuBLAS handle bound to the
/// stream, and a device word in which kernels record the first data error
/// (an out-of-range gather index) for synchronize() to report.
class DeviceContext {
public:
  /// Selects `device` on the calling thread and creates the stream, the
  /// cuBLAS handle and the error word.
  static Status create(int device, std::unique_ptr<DeviceContext> &out);
  ~DeviceContext();
  DeviceContext(const DeviceContext &) = delete;
  DeviceContext &operator=(const DeviceContext &) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  int *errorWord() const { return errorWord_; }
  /// A device buffer of at least `bytes` for the intermediate results of one
  /// kernel call (grown, never shrunk; reused by the next call, which the
  /// stream orders after this one's kernels).
  Status scratch(size_t bytes, void *&out);

  /// Waits for everything queued on the stream. Reports an asynchronous CUDA
  /// failure, or else the first kernel error since the last synchronize
  /// (which it clears).
  Status synchronize();

  /// The context of the calling thread: the one set by setCurrent, else a
  /// process-wide default created on first use (for single-threaded
  /// callers; threads running kernels concurrently each set their own), on
  /// device (local rank mod devices): the ranks mpirun or srun start on one
  /// machine take one device each.
  static Status current(DeviceContext *&out);
  /// Makes `context` (not owned; nullptr: back to the default) the calling
  /// thread's context.
  static void setCurrent(DeviceContext *context);

private:
  DeviceContext() = default;
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  int *errorWord_ = nullptr;
  void *scratch_ = nullptr;
  size_t scratchBytes_ = 0;
};

/// One cudaMalloc carved into tensors by byte offset: generated code places
/// every activation at an offset fixed at compile time (at), the runtime
/// bump-allocates the rest (allocate).
class Arena {
public:
  /// Offsets handed out by allocate are multiples of this; cudaMalloc
  /// returns memory aligned at least this much.
  static constexpr size_t kAlignment = 256;
  static size_t alignUp(size_t bytes) {
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }

  Arena() = default;
  ~Arena();
  Arena(Arena &&other) noexcept;
  Arena &operator=(Arena &&other) noexcept;
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  /// Frees any previous buffer and allocates `capacity` bytes (rounded up to
  /// kAlignment) on the current device.
  Status reserve(size_t capacity);
  /// Frees the buffer (views into it dangle).
  void release();

  uint8_t *base() const { return base_; }
  size_t capacity() const { return capacity_; }
  /// Bytes handed out by allocate since the last reset.
  size_t used() const { return used_; }

  /// A device tensor at `offset`: fails unless the offset is aligned for the
  /// dtype and the tensor ends inside the arena.
  Status at(size_t offset, DType dtype, Shape shape, Tensor &out) const;
  /// The next kAlignment-aligned free `bytes`; fails when the arena is full.
  Status allocateBytes(size_t bytes, size_t &offset);
  /// A new device tensor from the free space.
  Status allocate(DType dtype, Shape shape, Tensor &out);
  /// Forgets every allocate (the memory stays reserved).
  void reset() { used_ = 0; }

private:
  uint8_t *base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

/// Copies the host tensor's bytes into the device tensor (same dtype and
/// element count) and waits for the copy.
Status copyToDevice(const Tensor &host, Tensor &device);
/// Copies the device tensor's bytes into the host tensor (same dtype and
/// element count) after synchronizing the context, so kernel errors of the
/// work that produced it are reported here.
Status copyToHost(const Tensor &device, Tensor &host);
/// Device-to-device copy, queued on the context's stream.
Status copyOnDevice(const Tensor &from, Tensor &to);
/// A device copy of `host` allocated in `arena`.
Status upload(const Tensor &host, Arena &arena, Tensor &device);
/// A new host tensor holding the device tensor's values.
Status download(const Tensor &device, Tensor &host);

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_DEVICE_H
