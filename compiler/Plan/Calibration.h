//===- Calibration.h - Throughputs that turn op costs into time -*- C++ -*-===//
//
// The planner predicts seconds from each op's CostOpInterface (FLOPs and
// bytes) with a few throughputs of the machine the job runs on: GEMM and
// attention FLOP/s, memory bandwidth for everything else, a fixed cost per
// op, and the communication between ranks. `starchc --calibrate` measures
// them on this machine and writes them as JSON (docs/parallel.md, "Automatic
// plans"); without a file the planner uses defaultCalibration().
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_PLAN_CALIBRATION_H
#define STARCH_COMPILER_PLAN_CALIBRATION_H

#include <string>

namespace starch::plan {

struct Calibration {
  /// Matrix products and convolutions, FLOP per second (CostOpInterface's
  /// count).
  double gemmFlopsPerSecond = 0;
  /// Fused attention and its gradient, FLOP per second (the interface
  /// counts every query-key pair; a causal mask halves the real work).
  double attentionFlopsPerSecond = 0;
  /// Every other op: bytes read and written per second.
  double memoryBytesPerSecond = 0;
  /// Seconds each op costs whatever its size (dispatch, threading).
  double opOverheadSeconds = 0;
  /// Between ranks: bytes per second of one transfer, and its latency.
  double commBytesPerSecond = 0;
  double commLatencySeconds = 0;
  /// Measured over predicted step of a one-process run of the model (the
  /// copies, checks and data handling of a whole program that kernel
  /// timings do not see); 1 when not profiled. Scales every op's time.
  double programScale = 1;
  /// Seconds a program spends once per step whatever its micro-batches
  /// (the step's data, the loss and logs, launching the step): a profiled
  /// fit; 0 when not profiled.
  double stepOverheadSeconds = 0;
  /// Where the numbers come from: "default" or the calibration file.
  std::string source;
  /// The machine the numbers were measured on, as the file says.
  std::string machine;
};

/// The documented default: figures `starchc --calibrate` measured on a
/// 2-core AVX-512 CPU node with one OpenBLAS thread per rank.
Calibration defaultCalibration();

/// Reads a calibration file; false with `error` naming the file and field.
bool readCalibration(const std::string &path, Calibration &calibration,
                     std::string &error);

/// The calibration as the JSON readCalibration() reads.
std::string calibrationJson(const Calibration &calibration);

} // namespace starch::plan

#endif // STARCH_COMPILER_PLAN_CALIBRATION_H
