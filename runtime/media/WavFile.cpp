//===- WavFile.cpp - Mono WAV files at a fixed sample rate ----------------===//
#include "runtime/media/WavFile.h"

#include "runtime/media/MediaError.h"
#include "runtime/media/MediaFile.h"

#include <sndfile.h>

#include <memory>

namespace starch::media {

namespace {

struct SndfileCloser {
  void operator()(SNDFILE *file) const { sf_close(file); }
};

std::string majorFormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) == 0 &&
      info.name)
    return info.name;
  return "format 0x" + std::to_string(info.format);
}

} // namespace

std::vector<float> readMonoWav(const std::string &path,
                               int64_t expectedSampleRate) {
  checkMediaFile(path);
  SF_INFO info{};
  std::unique_ptr<SNDFILE, SndfileCloser> file(
      sf_open(path.c_str(), SFM_READ, &info));
  if (!file)
    throwMediaError(path, std::string("not a readable WAV file (libsndfile: ") +
                              sf_strerror(nullptr) + ")");
  int major = info.format & SF_FORMAT_TYPEMASK;
  if (major != SF_FORMAT_WAV && major != SF_FORMAT_WAVEX &&
      major != SF_FORMAT_RF64)
    throwMediaError(path, "unsupported audio format (" +
                              majorFormatName(info.format) + "); expected WAV");
  if (info.channels != 1)
    throwMediaError(path, "has " + std::to_string(info.channels) +
                              " channels, expected 1 (mono); downmix it "
                              "first");
  if (info.samplerate != expectedSampleRate)
    throwMediaError(path, "sample rate is " + std::to_string(info.samplerate) +
                              " Hz, expected " +
                              std::to_string(expectedSampleRate) +
                              " Hz (no resampling is done; convert it first)");
  if (info.frames <= 0)
    throwMediaError(path, "WAV file has no samples");

  std::vector<float> samples(size_t(info.frames));
  sf_count_t read = sf_readf_float(file.get(), samples.data(), info.frames);
  if (read != info.frames)
    throwMediaError(path, "truncated WAV (read " + std::to_string(read) +
                              " of " + std::to_string(info.frames) +
                              " samples)");
  return samples;
}

} // namespace starch::media
