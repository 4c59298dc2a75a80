//===- MappedFile.h - A whole file mapped into memory ------------*- C++
//-*-===//
//
// Reading a weight file to compare its tensors (starchc matching an
// export's initializers against the framework's weights) through read()
// copies every byte into fresh zeroed pages: at 128 layers a third of the
// import. A private mapping reads the page cache in place, and its pages
// can be dropped again under memory pressure, so a model larger than the
// machine's memory can still be compared tensor by tensor.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_MAPPEDFILE_H
#define STARCH_RUNTIME_IO_MAPPEDFILE_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>

namespace starch::rt {

/// The bytes of a file, mapped copy-on-write: a tensor inside it may be
/// written, and the write stays in this process. The file must keep its
/// length while mapped (a shorter file faults on the missing pages).
class MappedFile {
public:
  /// Maps the first `size` bytes of the open file `fd` (which the caller
  /// still owns). On failure returns null and sets `why` to a clause that
  /// completes "... cannot be mapped (...)".
  static std::shared_ptr<const MappedFile> map(int fd, int64_t size,
                                               std::string &why);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  int64_t size() const { return size_; }
  const uint8_t *data() const { return data_; }

  /// The tensor of `dtype` and `shape` whose bytes start at `offset`,
  /// sharing the mapping (which it keeps alive), when they lie inside it
  /// and the offset is aligned for `dtype`; otherwise an empty tensor, and
  /// the caller reads the bytes another way.
  static Tensor tensorAt(const std::shared_ptr<const MappedFile> &file,
                         int64_t offset, DType dtype, Shape shape);

private:
  MappedFile(uint8_t *data, int64_t size) : data_(data), size_(size) {}
  uint8_t *data_;
  int64_t size_;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_MAPPEDFILE_H
