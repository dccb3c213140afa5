#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sm121probe::util {

std::string errno_message(int err) {
  char buf[256] = {};
  // GNU strerror_r may return a static string instead of filling buf.
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
  return strerror_r(err, buf, sizeof buf);
#else
  strerror_r(err, buf, sizeof buf);
  return buf;
#endif
}

namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

// mkstemp in the target's directory; returns fd and fills tmp.
int make_temp_beside(const std::filesystem::path& path, std::string& tmp) {
  tmp = (directory_of(path) / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
  return ::mkstemp(tmp.data());
}

}  // namespace

void check_writable(const std::filesystem::path& path) {
  if (path == "-") return;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw io_error(fmt::format("cannot write '{}': it is a directory", path.string()));
  std::string tmp;
  const int fd = make_temp_beside(path, tmp);
  if (fd < 0)
    throw io_error(fmt::format("cannot write '{}': {}", path.string(), errno_message(errno)));
  ::close(fd);
  ::unlink(tmp.c_str());
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::string tmp;
  const int fd = make_temp_beside(path, tmp);
  if (fd < 0) throw io_error(fmt::format("cannot write '{}': {}", path.string(), errno_message(errno)));
  const char* p = content.data();
  std::size_t left = content.size();
  int err = 0;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  // mkstemp creates 0600; a report is an ordinary file.
  if (err == 0) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw io_error(fmt::format("cannot write '{}': {}", path.string(), errno_message(err)));
  }
}

std::string read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error(fmt::format("cannot read '{}': {}", path.string(), errno_message(errno)));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw io_error(fmt::format("cannot read '{}': {}", path.string(), errno_message(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace sm121probe::util
