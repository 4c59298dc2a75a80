//===- MappedFile.cpp - A whole file mapped into memory -------------------===//
#include "runtime/io/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace starch::rt {

std::shared_ptr<const MappedFile> MappedFile::map(int fd, int64_t size,
                                                  std::string &why) {
  if (size <= 0) {
    why = "is empty";
    return nullptr;
  }
  void *data = ::mmap(nullptr, static_cast<size_t>(size),
                      PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) {
    why = std::string("cannot be mapped (") + std::strerror(errno) + ")";
    return nullptr;
  }
  // Tensors are compared front to back: read ahead generously.
  ::madvise(data, static_cast<size_t>(size), MADV_SEQUENTIAL);
  return std::shared_ptr<const MappedFile>(
      new MappedFile(static_cast<uint8_t *>(data), size));
}

MappedFile::~MappedFile() { ::munmap(data_, static_cast<size_t>(size_)); }

Tensor MappedFile::tensorAt(const std::shared_ptr<const MappedFile> &file,
                            int64_t offset, DType dtype, Shape shape) {
  int64_t bytes = numElements(shape) * static_cast<int64_t>(dtypeSize(dtype));
  if (!file || offset < 0 || bytes <= 0 || offset > file->size_ ||
      bytes > file->size_ - offset ||
      offset % static_cast<int64_t>(dtypeSize(dtype)) != 0)
    return Tensor();
  return Tensor::inside(dtype, std::move(shape), file, file->data_ + offset);
}

} // namespace starch::rt
