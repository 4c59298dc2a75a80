//===- WavFile.h - Mono WAV files at a fixed sample rate --------*- C++ -*-===//
//
// Reads WAV (and WAVE_FORMAT_EXTENSIBLE / RF64) files with libsndfile as
// float samples: integer PCM is scaled by 1/2^(bits-1), the same values
// Python's soundfile returns. Nothing is resampled or downmixed: another
// sample rate or channel count is an error (MediaError.h).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_WAVFILE_H
#define STARCH_RUNTIME_MEDIA_WAVFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace starch::media {

/// The samples of the mono WAV file at `path`, which must be recorded at
/// `expectedSampleRate` Hz.
std::vector<float> readMonoWav(const std::string &path,
                               int64_t expectedSampleRate = 16000);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_WAVFILE_H
