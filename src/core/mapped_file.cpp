#include "core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace slim {

namespace {
// Empty files map to this so data() is never null for a valid object.
const uint8_t kEmpty[1] = {0};
}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path) {
  if (path.empty()) return invalid_argument("empty file path");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    Status st{err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
              "cannot open '" + path + "': " + std::strerror(err)};
    return st;
  }
  struct stat sb {};
  if (fstat(fd, &sb) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("cannot stat '" + path + "': " + std::strerror(err));
  }
  if (!S_ISREG(sb.st_mode)) {
    ::close(fd);
    return invalid_argument("'" + path + "' is not a regular file");
  }
  MappedFile f;
  f.size_ = static_cast<size_t>(sb.st_size);
  if (f.size_ == 0) {
    f.data_ = kEmpty;
    ::close(fd);
    return f;
  }
  void* p = mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return io_error("cannot mmap '" + path + "': " + std::strerror(err));
  f.data_ = static_cast<const uint8_t*>(p);
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  release();
}

void MappedFile::release() {
  if (data_ != nullptr && data_ != kEmpty) munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace slim
