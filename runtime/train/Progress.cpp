//===- Progress.cpp - Progress lines, summary and loss log ----------------===//
#include "runtime/train/Progress.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace starch::rt {

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
    return text;
  }
  int64_t total = static_cast<int64_t>(std::llround(seconds));
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%" PRId64 ":%02d:%02d", total / 3600,
                  int(total / 60 % 60), int(total % 60));
  else
    std::snprintf(text, sizeof text, "%d:%02d", int(total / 60),
                  int(total % 60));
  return text;
}

namespace {

/// 1234567 -> "1.23M": rates span many orders of magnitude.
std::string formatRate(double value) {
  char text[32];
  if (!std::isfinite(value))
    return "?";
  const char *suffix = "";
  if (value >= 1e9)
    value /= 1e9, suffix = "G";
  else if (value >= 1e6)
    value /= 1e6, suffix = "M";
  else if (value >= 1e3)
    value /= 1e3, suffix = "k";
  std::snprintf(text, sizeof text, "%.3g%s", value, suffix);
  return text;
}

std::string formatGflops(double flops, double seconds) {
  if (flops <= 0 || seconds <= 0)
    return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", flops / seconds / 1e9);
  return text;
}

} // namespace

ProgressReporter::ProgressReporter(const ProgramSpec &spec, int64_t firstStep,
                                   int64_t lastStep, int64_t logEvery)
    : spec_(spec), firstStep_(firstStep), lastStep_(lastStep),
      logEvery_(logEvery) {}

void ProgressReporter::record(int64_t step, const StepOutputs &outputs,
                              double seconds) {
  if (stepsDone_ == 0)
    firstLoss_ = outputs.loss;
  lastLoss_ = outputs.loss;
  ++stepsDone_;
  totalSeconds_ += seconds;
  ++windowSteps_;
  windowSeconds_ += seconds;
  if (step % logEvery_ != 0 && step != lastStep_)
    return;
  double tokens = double(spec_.tokensPerStep()) * windowSteps_;
  double eta = totalSeconds_ / stepsDone_ * double(lastStep_ - step);
  int width = int(std::to_string(lastStep_).size());
  std::printf(
      "step %*" PRId64 "/%" PRId64
      " | loss %.6f | grad norm %.4g | lr %.3e | %s tok/s | %s "
      "GFLOP/s | ETA %s\n",
      width, step, lastStep_, double(outputs.loss), double(outputs.gradNorm),
      double(outputs.learningRate), formatRate(tokens / windowSeconds_).c_str(),
      formatGflops(spec_.flopsPerStep * spec_.ranks() * windowSteps_,
                   windowSeconds_).c_str(),
      formatDuration(eta).c_str());
  std::fflush(stdout);
  windowSteps_ = 0;
  windowSeconds_ = 0;
}

void ProgressReporter::finish(double wallSeconds) const {
  if (stepsDone_ == 0)
    return;
  double tokens = double(spec_.tokensPerStep()) * stepsDone_;
  std::printf(
      "done: %" PRId64 " steps (%" PRId64 "..%" PRId64
      ") in %s | loss %.6f -> %.6f | %s tok/s | %s GFLOP/s | "
      "%.3g ms/step\n",
      stepsDone_, firstStep_, firstStep_ + stepsDone_ - 1,
      formatDuration(wallSeconds).c_str(), double(firstLoss_),
      double(lastLoss_), formatRate(tokens / totalSeconds_).c_str(),
      formatGflops(spec_.flopsPerStep * spec_.ranks() * stepsDone_,
                   totalSeconds_).c_str(),
      1e3 * totalSeconds_ / stepsDone_);
  std::fflush(stdout);
}

LossLog::LossLog(const std::string &path) : path_(path) {
  if (path.empty())
    return;
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw std::runtime_error("--loss-log: cannot write '" + path +
                             "': " + std::strerror(errno));
}

LossLog::~LossLog() {
  if (file_)
    std::fclose(file_);
}

void LossLog::write(int64_t step, const StepOutputs &outputs) {
  if (!file_)
    return;
  std::fprintf(file_, "%" PRId64 " %.9g %.9g %.9g\n", step,
               double(outputs.loss), double(outputs.gradNorm),
               double(outputs.learningRate));
  if (std::fflush(file_) != 0)
    throw std::runtime_error("--loss-log: cannot write '" + path_ +
                             "': " + std::strerror(errno));
}

} // namespace starch::rt
