//===- LogMel.h - Whisper log-mel features ----------------------*- C++ -*-===//
//
// WhisperFeatureExtractor's input_features: pad with zeros or trim to
// nSamples; STFT (periodic Hann window of nFft, hop hopLength, centred with
// reflect padding of nFft/2); power spectrum; slaney mel filters over
// [0, 8000] Hz; log10 of max(x, 1e-10); the last frame dropped; values below
// (maximum - 8) raised to it; (x + 4) / 4. docs/media.md gives the details.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_LOGMEL_H
#define STARCH_RUNTIME_MEDIA_LOGMEL_H

#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace starch::media {

struct LogMelConfig {
  int64_t sampleRate = 16000;
  /// Every input is zero-padded or trimmed to this many samples (Whisper's
  /// 30 s chunk by default).
  int64_t nSamples = 480000;
  int64_t nFft = 400;
  int64_t hopLength = 160;
  int64_t melBins = 80;
  double minHertz = 0.0;
  double maxHertz = 8000.0;

  /// WhisperFeatureExtractor(feature_size=melBins) with chunks of nSamples
  /// (80 bins for Whisper up to large-v2, 128 for large-v3).
  static LogMelConfig whisper(int64_t melBins = 80, int64_t nSamples = 480000);

  /// Output frames: nSamples / hopLength (the STFT's last frame dropped).
  int64_t frameCount() const { return nSamples / hopLength; }
  /// Throws std::invalid_argument naming the first field that cannot work.
  void validate() const;
};

/// float32 [melBins, frameCount()] features of `samples` (mono, at
/// config.sampleRate).
rt::Tensor logMelSpectrogram(const std::vector<float> &samples,
                             const LogMelConfig &config);

/// The features of a mono WAV file at config.sampleRate (WavFile.h).
rt::Tensor logMelFromWav(const std::string &path, const LogMelConfig &config);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_LOGMEL_H
