//===- MelFilterBank.cpp - Slaney mel filters (transformers) --------------===//
#include "runtime/media/MelFilterBank.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace starch::media {

namespace {

constexpr double kLogRegionHertz = 1000.0;
constexpr double kLogRegionMel = 15.0;

/// numpy's linspace(start, stop, count): start + i * step, last = stop.
std::vector<double> evenlySpaced(double start, double stop, int64_t count) {
  std::vector<double> values(count);
  double step = count > 1 ? (stop - start) / double(count - 1) : 0.0;
  for (int64_t i = 0; i < count; ++i)
    values[i] = double(i) * step + start;
  if (count > 1)
    values[count - 1] = stop;
  return values;
}

} // namespace

double hertzToSlaneyMel(double hertz) {
  if (hertz >= kLogRegionHertz)
    return kLogRegionMel +
           std::log(hertz / kLogRegionHertz) * (27.0 / std::log(6.4));
  return 3.0 * hertz / 200.0;
}

double slaneyMelToHertz(double mel) {
  if (mel >= kLogRegionMel)
    return kLogRegionHertz *
           std::exp((std::log(6.4) / 27.0) * (mel - kLogRegionMel));
  return 200.0 * mel / 3.0;
}

std::vector<double> slaneyMelFilterBank(int64_t frequencyBins, int64_t melBins,
                                        double minHertz, double maxHertz,
                                        int64_t sampleRate) {
  if (frequencyBins < 2 || melBins < 1 || !(minHertz <= maxHertz) ||
      sampleRate <= 0)
    throw std::invalid_argument(
        "mel filter bank: needs >= 2 frequency bins, >= 1 mel bin and "
        "min <= max frequency (got " +
        std::to_string(frequencyBins) + ", " + std::to_string(melBins) + ", " +
        std::to_string(minHertz) + ".." + std::to_string(maxHertz) + " Hz)");
  std::vector<double> edgesMel = evenlySpaced(
      hertzToSlaneyMel(minHertz), hertzToSlaneyMel(maxHertz), melBins + 2);
  std::vector<double> edges(edgesMel.size());
  std::transform(edgesMel.begin(), edgesMel.end(), edges.begin(),
                 slaneyMelToHertz);
  std::vector<double> binHertz =
      evenlySpaced(0.0, double(sampleRate / 2), frequencyBins);

  std::vector<double> filters(melBins * frequencyBins, 0.0);
  for (int64_t m = 0; m < melBins; ++m) {
    double lower = edges[m], center = edges[m + 1], upper = edges[m + 2];
    double area = 2.0 / (upper - lower);
    for (int64_t f = 0; f < frequencyBins; ++f) {
      // The same operations, in the same order, as transformers' slopes.
      double rising = -(lower - binHertz[f]) / (center - lower);
      double falling = (upper - binHertz[f]) / (upper - center);
      double weight = std::max(0.0, std::min(rising, falling));
      filters[m * frequencyBins + f] = weight * area;
    }
  }
  return filters;
}

} // namespace starch::media
