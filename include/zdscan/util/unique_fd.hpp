/// \file unique_fd.hpp
/// Owns a POSIX file descriptor and closes it on every path out of a scope (the readers and the checkpoint open
/// files with flags that std::fstream cannot express: O_NOFOLLOW, O_NONBLOCK, O_EXCL).
#pragma once

#include <unistd.h>

#include <utility>

namespace zdscan
{
class UniqueFd
{
  public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept
    {
        if (this != &o)
        {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    /// Gives the descriptor up (e.g. to fdopen); the caller closes it.
    int release() { return std::exchange(fd_, -1); }
    void reset()
    {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_;
};
}  // namespace zdscan
