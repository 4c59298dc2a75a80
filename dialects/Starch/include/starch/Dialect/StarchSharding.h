//===- StarchSharding.h - How a tensor is spread over ranks ------*- C++ -*-===//
//
// The sharding of one tensor across the ranks of a tensor-parallel group,
// as ShardingOpInterface rules and starch-tensor-parallel see it:
//
//   replicated  every rank holds the whole tensor (identical bits);
//   split(d)    dimension d is cut into `parts` equal contiguous blocks, the
//               rank at position i of the group holds block i;
//   partial     every rank holds a tensor of the full shape, and the value
//               is their sum (the output of a row-parallel matmul).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_DIALECT_STARCHSHARDING_H
#define STARCH_DIALECT_STARCHSHARDING_H

#include <cstdint>
#include <string>

namespace starch {

struct TensorSharding {
  enum class Kind : uint8_t { replicated, split, partial };
  Kind kind = Kind::replicated;
  /// The split dimension (kind == split), else -1.
  int64_t dim = -1;

  static TensorSharding replicated() { return {}; }
  static TensorSharding split(int64_t dim) { return {Kind::split, dim}; }
  static TensorSharding partial() { return {Kind::partial, -1}; }

  bool isReplicated() const { return kind == Kind::replicated; }
  bool isSplit() const { return kind == Kind::split; }
  bool isPartial() const { return kind == Kind::partial; }
  bool operator==(const TensorSharding &other) const {
    return kind == other.kind && dim == other.dim;
  }
  bool operator!=(const TensorSharding &other) const {
    return !(*this == other);
  }
  /// "replicated", "split(2)", "partial": for messages and remarks.
  std::string str() const {
    switch (kind) {
    case Kind::replicated:
      return "replicated";
    case Kind::split:
      return "split(" + std::to_string(dim) + ")";
    case Kind::partial:
      return "partial";
    }
    return "";
  }
};

} // namespace starch

#endif // STARCH_DIALECT_STARCHSHARDING_H
