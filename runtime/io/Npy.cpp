//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
#include "runtime/io/Npy.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace starch::rt {

namespace {

struct DescrEntry {
  const char *descr;
  DType dtype;
};

const DescrEntry kDescrs[] = {
    {"<f4", DType::f32}, {"<f8", DType::f64}, {"<f2", DType::f16},
    {"<i8", DType::i64}, {"<i4", DType::i32}, {"<i2", DType::i16},
    {"|i1", DType::i8},  {"|u1", DType::u8},  {"|b1", DType::i1},
};

std::optional<DType> dtypeFromDescr(const std::string &descr) {
  for (const DescrEntry &entry : kDescrs)
    if (descr == entry.descr)
      return entry.dtype;
  // Single-byte types are also spelled with '<' or '=' by some writers.
  if (descr == "<i1" || descr == "=i1")
    return DType::i8;
  if (descr == "<u1" || descr == "=u1")
    return DType::u8;
  if (descr == "<b1" || descr == "=b1")
    return DType::i1;
  return std::nullopt;
}

/// The text after `'key':` in the header dict, with leading spaces removed.
std::optional<std::string> valueAfterKey(const std::string &header,
                                         const std::string &key) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos)
    pos = header.find("\"" + key + "\"");
  if (pos == std::string::npos)
    return std::nullopt;
  pos = header.find(':', pos);
  if (pos == std::string::npos)
    return std::nullopt;
  ++pos;
  while (pos < header.size() && std::isspace(header[pos]))
    ++pos;
  return header.substr(pos);
}

} // namespace

std::optional<std::string> npyDescr(DType dtype) {
  for (const DescrEntry &entry : kDescrs)
    if (entry.dtype == dtype)
      return std::string(entry.descr);
  return std::nullopt;
}

bool parseNpy(const std::string &bytes, const std::string &label, Tensor &out,
              std::string &error) {
  auto fail = [&](const std::string &why) {
    error = "'" + label + "': " + why;
    return false;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return fail("not a .npy file (bad magic)");
  int major = static_cast<uint8_t>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<uint8_t>(bytes[8]) |
                   (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i]))
                      << (8 * i);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerLength)
    return fail("truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLength);

  std::optional<std::string> descrText = valueAfterKey(header, "descr");
  if (!descrText || descrText->empty() ||
      ((*descrText)[0] != '\'' && (*descrText)[0] != '"'))
    return fail("the .npy header has no 'descr'");
  char quote = (*descrText)[0];
  std::string descr = descrText->substr(1, descrText->find(quote, 1) - 1);
  std::optional<DType> dtype = dtypeFromDescr(descr);
  if (!dtype)
    return fail(
        "unsupported .npy element type '" + descr +
        "' (expected little-endian <f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 |b1)");

  std::optional<std::string> fortran = valueAfterKey(header, "fortran_order");
  if (!fortran)
    return fail("the .npy header has no 'fortran_order'");
  if (fortran->compare(0, 4, "True") == 0)
    return fail("Fortran-order arrays are not supported (save with C order)");

  std::optional<std::string> shapeText = valueAfterKey(header, "shape");
  if (!shapeText || shapeText->empty() || (*shapeText)[0] != '(')
    return fail("the .npy header has no 'shape'");
  Shape shape;
  size_t close = shapeText->find(')');
  if (close == std::string::npos)
    return fail("malformed 'shape' in the .npy header");
  std::string dims = shapeText->substr(1, close - 1);
  for (size_t pos = 0; pos < dims.size();) {
    while (pos < dims.size() && (std::isspace(dims[pos]) || dims[pos] == ','))
      ++pos;
    if (pos >= dims.size())
      break;
    size_t end = pos;
    while (end < dims.size() && std::isdigit(dims[end]))
      ++end;
    if (end == pos)
      return fail("malformed 'shape' in the .npy header");
    shape.push_back(
        std::strtoll(dims.substr(pos, end - pos).c_str(), nullptr, 10));
    pos = end;
  }

  size_t dataStart = headerStart + headerLength;
  // Check the size before allocating, so a corrupt shape cannot exhaust
  // memory. The sizes other than 0 are multiplied too (with overflow checks):
  // the tensor multiplies them all, in order, to count its elements.
  uint64_t nonZeroBytes = dtypeSize(*dtype);
  bool empty = false;
  for (int64_t size : shape) {
    if (size == 0)
      empty = true;
    else if (size < 0 || __builtin_mul_overflow(nonZeroBytes,
                                                static_cast<uint64_t>(size),
                                                &nonZeroBytes) ||
             nonZeroBytes > static_cast<uint64_t>(INT64_MAX))
      return fail("malformed 'shape' in the .npy header (sizes too large)");
  }
  uint64_t needed = empty ? 0 : nonZeroBytes;
  if (bytes.size() - dataStart < needed)
    return fail("holds " + std::to_string(bytes.size() - dataStart) +
                " data bytes but shape " + shapeString(shape) + " of " +
                dtypeName(*dtype) + " needs " + std::to_string(needed));
  Tensor tensor(*dtype, shape);
  if (tensor.byteSize())
    std::memcpy(tensor.bytes(), bytes.data() + dataStart, tensor.byteSize());
  if (*dtype == DType::i1)
    for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
      tensor.data<uint8_t>()[i] = tensor.data<uint8_t>()[i] != 0;
  out = std::move(tensor);
  return true;
}

bool readNpy(const std::string &path, Tensor &out, std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open '" + path + "'";
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(file)),
                    std::istreambuf_iterator<char>());
  return parseNpy(bytes, path, out, error);
}

bool writeNpy(const std::string &path, const Tensor &tensor,
              std::string &error) {
  std::optional<std::string> descr = npyDescr(tensor.dtype());
  if (!descr) {
    error = "cannot write '" + path + "': " + dtypeName(tensor.dtype()) +
            " has no .npy element type";
    return false;
  }
  std::ostringstream dict;
  dict << "{'descr': '" << *descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    dict << tensor.shape()[i] << (tensor.shape().size() == 1 ? "," : "")
         << (i + 1 < tensor.shape().size() ? ", " : "");
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces so that the data starts 64-byte aligned; end with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot write '" + path + "'";
    return false;
  }
  char preamble[10] = {'\x93',
                       'N',
                       'U',
                       'M',
                       'P',
                       'Y',
                       1,
                       0,
                       static_cast<char>(header.size() & 0xff),
                       static_cast<char>(header.size() >> 8)};
  file.write(preamble, 10);
  file.write(header.data(), header.size());
  file.write(reinterpret_cast<const char *>(tensor.bytes()), tensor.byteSize());
  if (!file) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

} // namespace starch::rt
