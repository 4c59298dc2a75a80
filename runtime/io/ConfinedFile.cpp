//===- ConfinedFile.cpp - Files a model may name, and nothing else --------===//
#include "runtime/io/ConfinedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace starch::rt {

namespace {

/// Whether `path` names something strictly below `folder`, comparing whole
/// components (so "/models/a" is not inside "/models/ab"). Both are
/// canonical.
bool isInside(const fs::path &path, const fs::path &folder) {
  auto p = path.begin();
  for (const fs::path &component : folder) {
    if (component.empty())
      continue; // a trailing separator
    if (p == path.end() || *p != component)
      return false;
    ++p;
  }
  return p != path.end();
}

const char *kindOf(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISLNK(mode))
    return "a symbolic link";
  return "not a plain file";
}

std::string errnoText(int error) { return std::strerror(error); }

} // namespace

ConfinedFile::~ConfinedFile() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool ConfinedFile::open(const std::string &folder, const std::string &location,
                        std::string &why) {
  if (location.empty()) {
    why = "is an empty path";
    return false;
  }
  if (location.find('\0') != std::string::npos) {
    why = "contains a NUL byte";
    return false;
  }
  if (location.front() == '/') {
    why = "is an absolute path; it must be relative to the model's folder";
    return false;
  }
  std::error_code error;
  fs::path root = fs::canonical(folder.empty() ? "." : folder, error);
  if (error) {
    why = "cannot be resolved (the model's folder '" + folder +
          "': " + error.message() + ")";
    return false;
  }
  // Fully resolved (every symbolic link followed), so what is checked is
  // what would be opened.
  fs::path target = fs::canonical(root / location, error);
  if (error) {
    fs::path lexical = fs::weakly_canonical(root / location, error);
    if (!error && !isInside(lexical, root))
      why = "lies outside the model's folder";
    else
      why = "does not exist";
    return false;
  }
  if (target == root) {
    why = "is the model's folder itself, not a regular file";
    return false;
  }
  if (!isInside(target, root)) {
    why = "lies outside the model's folder";
    return false;
  }
  struct stat checked;
  if (::lstat(target.c_str(), &checked) != 0) {
    why = "cannot be examined (" + errnoText(errno) + ")";
    return false;
  }
  if (!S_ISREG(checked.st_mode)) {
    why = std::string("is ") + kindOf(checked.st_mode) + ", not a regular file";
    return false;
  }
  // O_NOFOLLOW and O_NONBLOCK: if the path was swapped for a link or a FIFO
  // since the check, the open fails or returns at once, and fstat refuses it.
  fd_ = ::open(target.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    why = "cannot be opened (" + errnoText(errno) + ")";
    return false;
  }
  struct stat opened;
  if (::fstat(fd_, &opened) != 0 || !S_ISREG(opened.st_mode) ||
      opened.st_dev != checked.st_dev || opened.st_ino != checked.st_ino) {
    why = "changed while it was being opened";
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  size_ = static_cast<int64_t>(opened.st_size);
  return true;
}

bool ConfinedFile::checkRange(int64_t offset, int64_t length,
                              std::string &why) const {
  if (offset < 0 || length < 0) {
    why = "has a negative offset or length";
    return false;
  }
  if (offset > size_ || length > size_ - offset) {
    // Both are at most INT64_MAX, so their sum fits in uint64_t.
    why = "is too short: bytes " + std::to_string(offset) + ".." +
          std::to_string(uint64_t(offset) + uint64_t(length)) +
          " are needed but the file holds " + std::to_string(size_);
    return false;
  }
  return true;
}

bool ConfinedFile::read(int64_t offset, int64_t length, void *dest,
                        std::string &why) const {
  if (fd_ < 0) {
    why = "is not open";
    return false;
  }
  if (!checkRange(offset, length, why))
    return false;
  char *out = static_cast<char *>(dest);
  int64_t done = 0;
  while (done < length) {
    ssize_t got =
        ::pread(fd_, out + done, size_t(length - done), off_t(offset + done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      why = "cannot be read (" + errnoText(errno) + ")";
      return false;
    }
    if (got == 0) {
      why = "ends at byte " + std::to_string(offset + done) +
            " although it held " + std::to_string(size_) + " when opened";
      return false;
    }
    done += got;
  }
  return true;
}

} // namespace starch::rt
