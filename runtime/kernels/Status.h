//===- Status.h - Success or one sentence of error --------------*- C++ -*-===//
//
// Kernels report errors by value (never by exception) because the compiler
// side that calls them is built without exceptions.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_STATUS_H
#define STARCH_RUNTIME_KERNELS_STATUS_H

#include <string>

namespace starch::rt {

class Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.message_ = message.empty() ? "error" : std::move(message);
    return status;
  }
  bool ok() const { return message_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

private:
  std::string message_;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_STATUS_H
