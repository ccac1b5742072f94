/// \file input_file.cc
#include "zdscan/io/input_file.hpp"
#include "zdscan/util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zdscan
{
namespace
{
/// Opens `path` for reading without blocking and checks that it is a regular file of at most max_bytes.
UniqueFd open_regular(const std::string& path, std::size_t max_bytes, const std::string& what, bool no_follow)
{
    const std::string who = what + ": " + path;
    if (path.empty()) throw InputFileError(what + ": empty path");
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting; the type is checked next.
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (no_follow ? O_NOFOLLOW : 0)));
    if (!file.valid())
    {
        const int err = errno;
        if (no_follow && err == ELOOP) throw InputFileError(who + ": is a symbolic link; refusing to follow it");
        throw InputFileError(who + ": " + std::strerror(err));
    }
    struct stat info = {};
    if (::fstat(file.get(), &info) != 0) throw InputFileError(who + ": " + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw InputFileError(who + ": is a directory, not a file");
    if (!S_ISREG(info.st_mode))
    {
        throw InputFileError(who + ": is not a regular file (a FIFO, socket or device); give a file");
    }
    if (static_cast<std::size_t>(info.st_size) > max_bytes)
    {
        throw InputFileError(who + ": is " + std::to_string(info.st_size) + " bytes, more than the "
                             + std::to_string(max_bytes) + " this input may have");
    }
    return file;
}
}  // namespace

void require_regular_file(const std::string& path, const std::string& what)
{
    open_regular(path, static_cast<std::size_t>(-1), what, false);
}

std::string excerpt(const std::string& text, std::size_t max_chars)
{
    if (text.size() <= max_chars) return text;
    return text.substr(0, max_chars) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what,
                              bool no_follow)
{
    const std::string who = what + ": " + path;
    const UniqueFd file = open_regular(path, max_bytes, what, no_follow);
    const int fd = file.get();
    // Regular files never block; clear O_NONBLOCK anyway so that reads are plain.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string text;
    char buffer[1 << 16];
    for (;;)
    {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0)
        {
            if (errno == EINTR) continue;
            throw InputFileError(who + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > max_bytes)  // grew while being read
        {
            throw InputFileError(who + ": more than the " + std::to_string(max_bytes) + " bytes this input may have");
        }
    }
    return text;
}
}  // namespace zdscan
