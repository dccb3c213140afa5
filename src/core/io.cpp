#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
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

// --- temporary files removed on SIGINT/SIGTERM/SIGHUP ---------------------------

namespace {

constexpr int temp_slots = 32;
char g_temp_paths[temp_slots][PATH_MAX];
std::atomic<bool> g_temp_used[temp_slots];
std::mutex g_temp_mutex;  // registration only; the handler takes no lock
std::once_flag g_handlers_installed;

extern "C" void remove_temps_and_die(int sig) {
  const int saved = errno;
  for (int i = 0; i < temp_slots; ++i)
    if (g_temp_used[i].load(std::memory_order_acquire)) ::unlink(g_temp_paths[i]);
  errno = saved;
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_handlers() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0) continue;
    // Respect `nohup` (ignored) and handlers someone else installed.
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_temps_and_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(sig, &sa, nullptr);
  }
}

// Removes the temporary file and forgets it.
struct temp_path {
  std::string path;
  int slot = -1;
  explicit temp_path(std::string p) : path(std::move(p)) {}
  void track() { slot = register_temp(path); }
  void remove() {
    if (!path.empty()) ::unlink(path.c_str());
    release();
  }
  void release() {
    unregister_temp(slot);
    slot = -1;
    path.clear();
  }
  ~temp_path() { remove(); }
  temp_path(const temp_path&) = delete;
  temp_path& operator=(const temp_path&) = delete;
};

}  // namespace

int register_temp(const std::string& path) {
  std::call_once(g_handlers_installed, install_handlers);
  if (path.size() >= PATH_MAX) return -1;
  const std::lock_guard lock(g_temp_mutex);
  for (int i = 0; i < temp_slots; ++i) {
    if (g_temp_used[i].load(std::memory_order_relaxed)) continue;
    std::memcpy(g_temp_paths[i], path.c_str(), path.size() + 1);
    g_temp_used[i].store(true, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot < 0 || slot >= temp_slots) return;
  g_temp_used[slot].store(false, std::memory_order_release);
}

// --- output ------------------------------------------------------------------

namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

// mkstemp in the target's directory, registered for removal on a signal; returns fd.
int make_temp_beside(const std::filesystem::path& path, temp_path& tmp) {
  std::string name = (directory_of(path) / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
  // Register first (the name is final once mkstemp fills the X's in place).
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return fd;
  tmp.path = name;
  tmp.track();
  return fd;
}

[[noreturn]] void fail(const std::string& path, int err) {
  if (err == EPIPE) throw broken_pipe(fmt::format("cannot write '{}': {}", path, errno_message(err)));
  throw io_error(fmt::format("cannot write '{}': {}", path, errno_message(err)));
}

bool under_system_dir(const std::string& p) { return p.starts_with("/dev/") || p.starts_with("/proc/"); }

struct classified {
  output_kind kind = output_kind::file;
  std::string file;  ///< for files: the path to replace (a symlink resolved to its target)
};

classified classify(const std::string& path) {
  if (path.empty()) throw io_error("an output path is empty");
  if (descriptor_alias(path) >= 0) return {output_kind::descriptor, {}};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    struct stat lst {};
    if (err == ENOENT && ::lstat(path.c_str(), &lst) == 0)
      throw io_error(fmt::format("cannot write '{}': it is a symlink to a missing file", path));
    if (err != ENOENT) fail(path, err);
    if (under_system_dir(path))
      throw io_error(fmt::format("cannot write '{}': new files are not created under /dev or /proc", path));
    return {output_kind::file, path};
  }
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return {output_kind::stream, {}};
  if (S_ISDIR(st.st_mode)) throw io_error(fmt::format("cannot write '{}': it is a directory", path));
  if (!S_ISREG(st.st_mode))
    throw io_error(fmt::format("cannot write '{}': not a regular file, character device or FIFO", path));
  std::string file = path;
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) fail(path, errno);
    file = real;
    std::free(real);
  }
  if (under_system_dir(file))
    throw io_error(fmt::format("cannot write '{}': a regular file under /dev or /proc is not replaced", path));
  return {output_kind::file, file};
}

}  // namespace

int descriptor_alias(std::string_view path) {
  if (path == "-" || path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (!path.starts_with(prefix)) continue;
    const std::string_view num = path.substr(prefix.size());
    if (num.empty() || num.size() > 6) return -1;
    int n = 0;
    for (const char c : num) {
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return -1;
}

bool is_stdout(std::string_view path) { return descriptor_alias(path) == 1; }

bool same_output(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  const int fa = descriptor_alias(a), fb = descriptor_alias(b);
  if (fa >= 0 || fb >= 0) return fa == fb;
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
}

output_kind check_output(const std::string& path) {
  const classified c = classify(path);
  switch (c.kind) {
    case output_kind::descriptor: {
      const int fd = descriptor_alias(path);
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
        throw io_error(fmt::format("cannot write '{}': the descriptor is not open for writing", path));
      return c.kind;
    }
    case output_kind::stream:
      if (::access(path.c_str(), W_OK) != 0) fail(path, errno);
      return c.kind;
    case output_kind::file: break;
  }
  temp_path tmp{""};
  const int fd = make_temp_beside(c.file, tmp);
  if (fd < 0) fail(path, errno);
  ::close(fd);
  struct stat st {};
  if (::stat(c.file.c_str(), &st) == 0 && ::access(c.file.c_str(), W_OK) != 0 && ::geteuid() != 0)
    fail(path, errno);  // the directory is writable but the file is not ours to replace
  return c.kind;
}

void check_writable(const std::filesystem::path& path) {
  if (path == "-") return;
  (void)check_output(path.string());
}

namespace {

// Writes everything; returns 0 or the errno of the failed write.
int write_loop(int fd, std::string_view content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

void write_all(int fd, std::string_view content, std::string_view what) {
  if (const int err = write_loop(fd, content); err != 0) fail(std::string(what), err);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::string target = path.string();
  struct stat old {};
  const bool existed = ::stat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  temp_path tmp{""};
  const int fd = make_temp_beside(path, tmp);
  if (fd < 0) fail(target, errno);
  int err = write_loop(fd, content);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (err == 0) {
    if (existed) {
      // Keep what the user chose for the file: its mode and, as root, its owner.
      ::fchmod(fd, old.st_mode & 07777);
      if (old.st_uid != ::geteuid() || old.st_gid != ::getegid())
        if (::fchown(fd, old.st_uid, old.st_gid) != 0) ::fchmod(fd, old.st_mode & 0777);
    } else {
      // mkstemp creates 0600; a new report is an ordinary file.
      const mode_t mask = ::umask(0);
      ::umask(mask);
      ::fchmod(fd, 0666 & ~mask);
    }
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.path.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) fail(target, err);  // tmp's destructor removes the temporary file
  tmp.release();
}

void write_output(const std::string& path, std::string_view content) {
  const classified c = classify(path);
  switch (c.kind) {
    case output_kind::descriptor:
      write_all(descriptor_alias(path), content, path);
      return;
    case output_kind::stream: {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0) fail(path, errno);
      try {
        write_all(fd, content, path);
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0) fail(path, errno);
      return;
    }
    case output_kind::file: write_file_atomically(c.file, content); return;
  }
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error(fmt::format("cannot read '{}': {}", path.string(), errno_message(errno)));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw io_error(fmt::format("cannot read '{}': it is a directory", path.string()));
  }
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
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      throw io_error(fmt::format("cannot read '{}': larger than {} MiB, not a report this tool wrote",
                                 path.string(), max_bytes >> 20));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace sm121probe::util
