//===- PrintableLine.h - Messages that stay one line ------------*- C++ -*-===//
//
// Names in messages come from files (ONNX node and tensor names, model.json
// keys) and may hold any byte. Escaping their control characters keeps an
// error one line that cannot drive the user's terminal.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_PRINTABLELINE_H
#define STARCH_RUNTIME_IO_PRINTABLELINE_H

#include <string>

namespace starch::rt {

/// `message` with control characters escaped: "\n", "\x1b", ...
inline std::string printableLine(const std::string &message) {
  static const char hex[] = "0123456789abcdef";
  std::string line;
  for (unsigned char c : message) {
    if (c == '\n') {
      line += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      line += "\\x";
      line += hex[c >> 4];
      line += hex[c & 15];
    } else {
      line += static_cast<char>(c);
    }
  }
  return line;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_PRINTABLELINE_H
