#include "sm121probe/binscan/mapped_file.hpp"

#include "sm121probe/util/io.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace sm121probe::binscan {

namespace {

/// Closes a descriptor on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

mapped_file::mapped_file(mapped_file&& o) noexcept
    : m_addr(std::exchange(o.m_addr, nullptr)), m_size(std::exchange(o.m_size, 0)) {}

mapped_file& mapped_file::operator=(mapped_file&& o) noexcept {
  if (this != &o) {
    release();
    m_addr = std::exchange(o.m_addr, nullptr);
    m_size = std::exchange(o.m_size, 0);
  }
  return *this;
}

mapped_file::~mapped_file() { release(); }

void mapped_file::release() noexcept {
  if (m_addr) ::munmap(m_addr, m_size);
  m_addr = nullptr;
  m_size = 0;
}

mapped_file mapped_file::open(const std::string& path) {
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) throw open_error("cannot open: " + util::errno_message(errno));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) throw open_error("cannot stat: " + util::errno_message(errno));
  if (!S_ISREG(st.st_mode)) throw open_error("not a regular file");
  mapped_file out;
  if (st.st_size == 0) return out;
  const auto size = static_cast<std::size_t>(st.st_size);
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.fd, 0);
  if (addr == MAP_FAILED) throw open_error("cannot map: " + util::errno_message(errno));
  out.m_addr = addr;
  out.m_size = size;
  return out;
}

int read_head(const std::string& path, std::byte* out, std::size_t n, std::size_t& got) {
  got = 0;
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (fd.fd < 0) return errno;
  while (got < n) {
    const ssize_t r = ::pread(fd.fd, out + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  return 0;
}

}  // namespace sm121probe::binscan
