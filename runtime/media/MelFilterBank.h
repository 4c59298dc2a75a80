//===- MelFilterBank.h - Slaney mel filters (transformers) ------*- C++ -*-===//
//
// transformers' `mel_filter_bank(num_frequency_bins, num_mel_filters,
// min_frequency, max_frequency, sampling_rate, norm="slaney",
// mel_scale="slaney")`, the bank WhisperFeatureExtractor uses (same as
// librosa's `filters.mel(..., norm="slaney")`).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_MELFILTERBANK_H
#define STARCH_RUNTIME_MEDIA_MELFILTERBANK_H

#include <cstdint>
#include <vector>

namespace starch::media {

/// Slaney's mel scale: linear (3 mel per 200 Hz) below 1 kHz, logarithmic
/// above (27 mel per factor 6.4).
double hertzToSlaneyMel(double hertz);
double slaneyMelToHertz(double mel);

/// The filters, mel-major: weight of frequency bin f in mel band m at
/// [m * frequencyBins + f]. Frequency bins are spaced evenly over
/// [0, sampleRate / 2] (integer half, as transformers spaces them); the
/// band edges evenly in mel over [minHertz, maxHertz]; each triangle is
/// scaled by 2 / (its width in Hz).
std::vector<double> slaneyMelFilterBank(int64_t frequencyBins, int64_t melBins,
                                        double minHertz, double maxHertz,
                                        int64_t sampleRate);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_MELFILTERBANK_H
