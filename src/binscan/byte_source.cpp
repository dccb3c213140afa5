#include "sm121probe/binscan/byte_source.hpp"

#include "sm121probe/util/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>

namespace sm121probe::binscan {

namespace {

/// Closes a descriptor on scope exit unless released.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
  int release() {
    const int f = fd;
    fd = -1;
    return f;
  }
};

[[noreturn]] void out_of_range(std::uint64_t offset, std::uint64_t n, std::string_view what) {
  throw parse_error(offset, fmt::format("{} at 0x{:x} ({} bytes) extends past the end of the data", what, offset, n));
}

}  // namespace

std::span<const std::byte> memory_source::view(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>&,
                                               std::string_view what) const {
  if (!range_fits(offset, n, m_data.size())) out_of_range(offset, n, what);
  return m_data.subspan(offset, n);
}

file_source::file_source(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (fd.fd < 0) throw open_error("cannot open: " + util::errno_message(errno));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) throw open_error("cannot stat: " + util::errno_message(errno));
  if (!S_ISREG(st.st_mode)) throw open_error("not a regular file");
  m_size = static_cast<std::uint64_t>(st.st_size);
  if (m_size > 0 && m_size <= whole_read_max) {
    m_whole.resize(static_cast<std::size_t>(m_size));
    std::size_t got = 0;
    while (got < m_whole.size()) {
      const ssize_t r = ::pread(fd.fd, m_whole.data() + got, m_whole.size() - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    if (got != m_whole.size()) std::vector<std::byte>().swap(m_whole);  // read in pieces, and fail there as before
  }
  m_fd = fd.release();
}

file_source::~file_source() {
  if (m_fd >= 0) ::close(m_fd);
}

std::span<const std::byte> file_source::view(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>& scratch,
                                             std::string_view what) const {
  if (!range_fits(offset, n, m_size)) out_of_range(offset, n, what);
  if (!m_whole.empty()) return std::span<const std::byte>(m_whole).subspan(offset, n);
  scratch.resize(static_cast<std::size_t>(n));
  std::uint64_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(m_fd, scratch.data() + got, static_cast<std::size_t>(n - got),
                              static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw parse_error(offset + got, "read error: " + util::errno_message(errno));
    if (r == 0) throw parse_error(offset + got, "file shrank while it was being scanned");
    got += static_cast<std::uint64_t>(r);
  }
  return {scratch.data(), scratch.size()};
}

int read_head(const std::string& path, std::byte* out, std::size_t n, std::size_t& got, file_identity* id) {
  got = 0;
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)};
  if (fd.fd < 0) return errno;
  if (id) {
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) return errno;
    *id = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  }
  while (got < n) {
    const ssize_t r = ::pread(fd.fd, out + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  return 0;
}

}  // namespace sm121probe::binscan
