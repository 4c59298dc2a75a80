//===- Trace.cpp - A timeline of every rank's step (--trace) --------------===//
#include "runtime/train/Trace.h"

#include "runtime/comm/CurrentCommunicator.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace starch::rt {

namespace {

struct Span {
  std::string name;
  int64_t begin, end; // nanoseconds of the monotonic clock
};

bool enabled = false;
std::vector<Span> spans;

int64_t now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// A JSON string literal (span names are the compiler's: no control
/// characters, but quotes and backslashes are escaped all the same).
std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// This rank's spans as Chrome trace events, times from `origin`.
std::string events(int rank, int64_t origin) {
  std::string text;
  char buffer[160];
  for (const Span &span : spans) {
    std::snprintf(buffer, sizeof buffer,
                  ",\"ph\":\"X\",\"pid\":%d,\"tid\":0,\"ts\":%.3f,"
                  "\"dur\":%.3f}",
                  rank, (span.begin - origin) / 1e3,
                  (span.end - span.begin) / 1e3);
    text += (text.empty() ? "{\"name\":" : ",\n{\"name\":") +
            quoted(span.name) + buffer;
  }
  std::snprintf(buffer, sizeof buffer,
                "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,"
                "\"args\":{\"name\":\"rank %d\"}}",
                rank, rank);
  return std::string(buffer) + (text.empty() ? "" : ",\n" + text);
}

Tensor bytesOf(const std::string &text) {
  Tensor tensor = Tensor::uninitialized(DType::u8, {int64_t(text.size())});
  if (!text.empty())
    std::memcpy(tensor.bytes(), text.data(), text.size());
  return tensor;
}

void check(const Status &status) {
  if (!status.ok())
    throw std::runtime_error("--trace: " + status.message());
}

} // namespace

void enableTrace() { enabled = true; }
bool traceEnabled() { return enabled; }

TraceScope::TraceScope(std::string name) {
  if (enabled) {
    name_ = std::move(name);
    begin_ = now();
  }
}

TraceScope::~TraceScope() {
  if (begin_ >= 0)
    spans.push_back({std::move(name_), begin_, now()});
}

void writeTrace(const std::string &path) {
  Communicator *comm = currentCommunicator();
  int rank = comm ? comm->rank() : 0, size = comm ? comm->size() : 1;
  // Rank 0's first span is time 0 on every row.
  Tensor origin(DType::i64, {1});
  origin.data<int64_t>()[0] = spans.empty() ? now() : spans.front().begin;
  if (size > 1)
    check(comm->broadcast(origin, 0));
  std::string mine = events(rank, origin.data<int64_t>()[0]);
  if (rank != 0) {
    check(comm->send(bytesOf(mine), 0));
    return;
  }
  std::string all = mine;
  for (int other = 1; other < size; ++other) {
    Tensor part;
    check(comm->recv(part, other));
    all += ",\n" + std::string(reinterpret_cast<const char *>(part.bytes()),
                               part.byteSize());
  }
  std::string temporary = path + ".tmp";
  FILE *file = std::fopen(temporary.c_str(), "w");
  bool ok = file && std::fprintf(file,
                                 "{\"displayTimeUnit\":\"ms\",\"traceEvents\":"
                                 "[\n%s\n]}\n",
                                 all.c_str()) > 0;
  ok = file && std::fclose(file) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw std::runtime_error("--trace: cannot write " + path + ": " +
                             std::strerror(errno));
}

} // namespace starch::rt
