//===- Calibration.cpp - Throughputs that turn op costs into time ---------===//
#include "compiler/Plan/Calibration.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace starch::plan {

namespace {

struct Field {
  const char *key;
  double Calibration::*member;
};

constexpr Field kFields[] = {
    {"gemm_flops_per_s", &Calibration::gemmFlopsPerSecond},
    {"attention_flops_per_s", &Calibration::attentionFlopsPerSecond},
    {"memory_bytes_per_s", &Calibration::memoryBytesPerSecond},
    {"op_overhead_s", &Calibration::opOverheadSeconds},
    {"comm_bytes_per_s", &Calibration::commBytesPerSecond},
    {"comm_latency_s", &Calibration::commLatencySeconds},
};

} // namespace

Calibration defaultCalibration() {
  // Measured by `starchc --calibrate` on the CI machine kind (2 cores,
  // AVX-512, OMP_NUM_THREADS=1); docs/parallel.md lists them.
  Calibration c;
  c.gemmFlopsPerSecond = 9.1e10;
  c.attentionFlopsPerSecond = 4.7e10;
  c.memoryBytesPerSecond = 2.6e10;
  c.opOverheadSeconds = 0;
  c.commBytesPerSecond = 5.6e9;
  c.commLatencySeconds = 2.0e-5;
  c.source = "default";
  c.machine = "2-core AVX-512 CPU, 1 thread per rank";
  return c;
}

bool readCalibration(const std::string &path, Calibration &calibration,
                     std::string &error) {
  std::ifstream file(path);
  if (!file) {
    error = path + ": cannot open the calibration file";
    return false;
  }
  nlohmann::json value = nlohmann::json::parse(file, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    error = path + ": not a JSON object (write one with starchc --calibrate)";
    return false;
  }
  calibration = Calibration();
  for (const Field &field : kFields) {
    auto it = value.find(field.key);
    if (it == value.end() || !it->is_number() ||
        !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
        (it->get<double>() == 0 &&
         std::string(field.key).find("per_s") != std::string::npos)) {
      error = path + ": " + field.key +
              " must be a number (> 0 for a throughput, >= 0 for a time)";
      return false;
    }
    calibration.*field.member = it->get<double>();
  }
  // The profiled fields are optional (1 and 0 when absent).
  struct Optional {
    const char *key;
    double Calibration::*member;
    bool positive;
  };
  for (const Optional &field :
       {Optional{"program_scale", &Calibration::programScale, true},
        Optional{"step_overhead_s", &Calibration::stepOverheadSeconds, false}}) {
    auto it = value.find(field.key);
    if (it == value.end())
      continue;
    if (!it->is_number() || !std::isfinite(it->get<double>()) ||
        it->get<double>() < 0 || (field.positive && it->get<double>() == 0)) {
      error = path + ": " + field.key +
              (field.positive ? " must be a number > 0" : " must be >= 0");
      return false;
    }
    calibration.*field.member = it->get<double>();
  }
  calibration.source = path;
  if (auto it = value.find("machine"); it != value.end() && it->is_string())
    calibration.machine = it->get<std::string>();
  return true;
}

std::string calibrationJson(const Calibration &calibration) {
  nlohmann::ordered_json value;
  value["machine"] = calibration.machine;
  for (const Field &field : kFields)
    value[field.key] = calibration.*field.member;
  value["program_scale"] = calibration.programScale;
  value["step_overhead_s"] = calibration.stepOverheadSeconds;
  return value.dump(2) + "\n";
}

} // namespace starch::plan
