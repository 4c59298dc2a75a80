//===- LogMel.cpp - Whisper log-mel features ------------------------------===//
#include "runtime/media/LogMel.h"

#include "runtime/media/MelFilterBank.h"
#include "runtime/media/WavFile.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace starch::media {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMelFloor = 1e-10;
constexpr double kDynamicRange = 8.0;

/// FFTW's planner is not thread-safe; executing a plan is.
std::mutex &fftwPlannerMutex() {
  static std::mutex mutex;
  return mutex;
}

/// A real-to-complex FFT of one size over buffers it owns.
class RealFft {
public:
  explicit RealFft(int64_t size) : size_(size) {
    input_ = fftw_alloc_real(size);
    output_ = fftw_alloc_complex(size / 2 + 1);
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    plan_ = fftw_plan_dft_r2c_1d(int(size), input_, output_, FFTW_ESTIMATE);
  }
  ~RealFft() {
    {
      std::lock_guard<std::mutex> lock(fftwPlannerMutex());
      fftw_destroy_plan(plan_);
    }
    fftw_free(input_);
    fftw_free(output_);
  }
  RealFft(const RealFft &) = delete;
  RealFft &operator=(const RealFft &) = delete;

  double *input() { return input_; }
  /// |X_k|^2 for k = 0..size/2 after transforming input().
  void powerSpectrum(std::vector<double> &power) {
    fftw_execute(plan_);
    power.resize(size_ / 2 + 1);
    for (int64_t k = 0; k <= size_ / 2; ++k)
      power[k] = output_[k][0] * output_[k][0] + output_[k][1] * output_[k][1];
  }

private:
  int64_t size_;
  double *input_ = nullptr;
  fftw_complex *output_ = nullptr;
  fftw_plan plan_ = nullptr;
};

/// Reflect padding (the edge sample not repeated), as torch.stft's
/// centre=True and numpy's pad(mode="reflect") do.
std::vector<double> reflectPadded(const std::vector<double> &signal,
                                  int64_t pad) {
  int64_t n = static_cast<int64_t>(signal.size());
  std::vector<double> padded(n + 2 * pad);
  for (int64_t i = 0; i < n + 2 * pad; ++i) {
    int64_t j = i - pad;
    if (j < 0)
      j = -j;
    if (j >= n)
      j = 2 * (n - 1) - j;
    padded[i] = signal[j];
  }
  return padded;
}

/// The first and one-past-last non-zero bin of each mel band, to skip the
/// zeros of the filter bank.
struct BandRange {
  int64_t first = 0;
  int64_t last = 0;
};

} // namespace

LogMelConfig LogMelConfig::whisper(int64_t melBins, int64_t nSamples) {
  LogMelConfig config;
  config.melBins = melBins;
  config.nSamples = nSamples;
  return config;
}

void LogMelConfig::validate() const {
  auto fail = [](const std::string &what) {
    throw std::invalid_argument("log-mel config: " + what);
  };
  if (nFft < 2 || hopLength < 1 || melBins < 1 || sampleRate < 1)
    fail("n_fft >= 2, hop_length >= 1, mel bins >= 1 and sample rate >= 1 "
         "are needed (got " +
         std::to_string(nFft) + ", " + std::to_string(hopLength) + ", " +
         std::to_string(melBins) + ", " + std::to_string(sampleRate) + ")");
  if (nSamples <= nFft / 2)
    fail("n_samples (" + std::to_string(nSamples) +
         ") must exceed n_fft / 2 (" + std::to_string(nFft / 2) +
         ") for reflect padding");
  if (frameCount() < 1)
    fail("n_samples (" + std::to_string(nSamples) +
         ") gives no frame at hop_length " + std::to_string(hopLength));
  if (!(minHertz >= 0.0 && minHertz <= maxHertz))
    fail("the mel range must satisfy 0 <= min <= max (got " +
         std::to_string(minHertz) + ".." + std::to_string(maxHertz) + " Hz)");
}

rt::Tensor logMelSpectrogram(const std::vector<float> &samples,
                             const LogMelConfig &config) {
  config.validate();
  // Pad with silence or trim to the chunk length.
  std::vector<double> chunk(config.nSamples, 0.0);
  std::copy_n(samples.begin(),
              std::min<int64_t>(config.nSamples, int64_t(samples.size())),
              chunk.begin());
  std::vector<double> padded = reflectPadded(chunk, config.nFft / 2);

  std::vector<double> window(config.nFft);
  for (int64_t n = 0; n < config.nFft; ++n)
    window[n] =
        0.5 - 0.5 * std::cos(2.0 * kPi * double(n) / double(config.nFft));

  int64_t frequencyBins = config.nFft / 2 + 1;
  std::vector<double> filters =
      slaneyMelFilterBank(frequencyBins, config.melBins, config.minHertz,
                          config.maxHertz, config.sampleRate);
  std::vector<BandRange> bands(config.melBins);
  for (int64_t m = 0; m < config.melBins; ++m) {
    const double *row = &filters[m * frequencyBins];
    int64_t first = 0, last = frequencyBins;
    while (first < last && row[first] == 0.0)
      ++first;
    while (last > first && row[last - 1] == 0.0)
      --last;
    bands[m] = {first, last};
  }

  // The STFT has frameCount() + 1 frames; the last is dropped.
  int64_t frames = config.frameCount();
  std::vector<double> logMel(config.melBins * frames);
  RealFft fft(config.nFft);
  std::vector<double> power;
  double maximum = -std::numeric_limits<double>::infinity();
  for (int64_t t = 0; t < frames; ++t) {
    const double *frame = &padded[t * config.hopLength];
    for (int64_t n = 0; n < config.nFft; ++n)
      fft.input()[n] = frame[n] * window[n];
    fft.powerSpectrum(power);
    for (int64_t m = 0; m < config.melBins; ++m) {
      const double *row = &filters[m * frequencyBins];
      double energy = 0.0;
      for (int64_t f = bands[m].first; f < bands[m].last; ++f)
        energy += row[f] * power[f];
      double value = std::log10(std::max(energy, kMelFloor));
      logMel[m * frames + t] = value;
      maximum = std::max(maximum, value);
    }
  }

  rt::Tensor out(rt::DType::f32, {config.melBins, frames});
  float *features = out.data<float>();
  double floor = maximum - kDynamicRange;
  for (size_t i = 0; i < logMel.size(); ++i)
    features[i] = float((std::max(logMel[i], floor) + 4.0) / 4.0);
  return out;
}

rt::Tensor logMelFromWav(const std::string &path, const LogMelConfig &config) {
  config.validate();
  return logMelSpectrogram(readMonoWav(path, config.sampleRate), config);
}

} // namespace starch::media
