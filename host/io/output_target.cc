/// \file output_target.cc
#include "zdscan/io/output_target.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "hdf5_handle.hpp"
#include "zdscan/util/unique_fd.hpp"

namespace zdscan
{
namespace
{
std::string errno_text(int err)
{
    return std::strerror(err);
}

std::string directory_of(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string basename_of(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join(const std::string& dir, const std::string& name)
{
    if (dir == ".") return name;
    std::string path = dir;
    if (path.back() != '/') path += '/';
    path += name;
    return path;
}

/// The host name as one file-name component (dots would confuse parsing the temporary names).
std::string host_tag()
{
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
    std::string tag;
    for (const char* c = host; *c; ++c)
    {
        const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-';
        tag += ok ? *c : '-';
    }
    return tag;
}

const char* temporary_marker = ".zdscan-tmp.";

/// ".<base><suffix>" (appended piecewise: GCC 12 warns falsely on "." + std::string, PR 105651).
std::string hidden_name(const std::string& base, const std::string& suffix)
{
    std::string name = ".";
    name += base;
    name += suffix;
    return name;
}

std::string lock_path_for(const std::string& target)
{
    return join(directory_of(target), hidden_name(basename_of(target), ".zdscan-lock"));
}

bool process_is_gone(long pid)
{
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

/// Digits only, as a positive number; -1 otherwise.
long parse_pid(const std::string& s)
{
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stol(s);
}
}  // namespace

std::string default_output_path(const std::string& config_name)
{
    std::string name;
    for (char c : config_name)
    {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                        || c == '_' || c == '+' || c == '-';
        name += ok ? c : '_';
    }
    name.erase(0, name.find_first_not_of('.'));
    if (name.find_first_not_of("._") == std::string::npos) name = "zdscan";
    return name + ".h5";
}

std::string temporary_path_for(const std::string& target)
{
    return join(directory_of(target),
                hidden_name(basename_of(target), temporary_marker + host_tag() + "." + std::to_string(::getpid())));
}

bool is_zdscan_marked_file(const std::string& path)
{
    const UniqueFd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!file.valid()) return false;
    struct stat info = {};
    std::string head(8192, '\0');
    ssize_t n = -1;
    if (::fstat(file.get(), &info) == 0 && S_ISREG(info.st_mode)) n = ::read(file.get(), head.data(), head.size());
    if (n <= 0) return false;
    head.resize(static_cast<std::size_t>(n));
    // gzip (RFC 1952): magic 1f 8b, deflate, FNAME flag; the stored name follows the header (and FEXTRA, if any).
    if (n > 10 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b)
    {
        const auto flags = static_cast<unsigned char>(head[3]);
        std::size_t at = 10;
        if (flags & 0x04)
        {
            if (head.size() < 12) return false;
            at += 2 + (static_cast<unsigned char>(head[10]) | (static_cast<unsigned char>(head[11]) << 8));
        }
        return (flags & 0x08) && head.compare(at < head.size() ? at : head.size(), 7, "zdscan-") == 0;
    }
    if (head.find("# creator: zdscan\n") != std::string::npos || head.find("\"creator\": \"zdscan\"") != std::string::npos
        || head.find(figure_marker) != std::string::npos)  // PNG tEXt and SVG metadata come before the image data
    {
        return true;
    }
    // A PDF's document information (Creator) is written at its end by matplotlib: look in the last 8 KiB.
    if (head.compare(0, 5, "%PDF-") != 0 || info.st_size <= static_cast<off_t>(head.size())) return false;
    std::string tail(8192, '\0');
    const off_t from = std::max<off_t>(0, info.st_size - static_cast<off_t>(tail.size()));
    n = ::pread(file.get(), tail.data(), tail.size(), from);
    return n > 0 && tail.find(figure_marker) != std::string::npos;
}

bool is_zdscan_directory(const std::string& path)
{
    struct stat info = {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return false;
    if (::lstat(join(path, directory_marker).c_str(), &info) == 0 && S_ISREG(info.st_mode)) return true;  // before 2026-12
    // The marker in the HEPData submission's own metadata: submission.yaml's first line (a regular file, no link,
    // read without blocking and only as far as the marker).
    const std::string submission = join(path, "submission.yaml");
    const UniqueFd fd(::open(submission.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
    const std::size_t n = std::strlen(submission_marker);
    std::string head(n, '\0');
    return ::pread(fd.get(), head.data(), n, 0) == static_cast<ssize_t>(n) && head == submission_marker;
}

bool is_zdscan_result(const std::string& path)
{
    h5::silence_error_stack();
    if (H5Fis_hdf5(path.c_str()) <= 0) return false;
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) return false;
    if (H5Aexists(file, "creator") > 0)
    {
        try
        {
            return h5::read_string_attribute(file, "creator") == "zdscan";
        }
        catch (const std::runtime_error&)
        {
            return false;
        }
    }
    return H5Aexists(file, "version") > 0 && H5Aexists(file, "config") > 0
           && H5Lexists(file, "bestfit", H5P_DEFAULT) > 0;
}

namespace
{
/// An input of the command (compared by inode, so hard links and other spellings count): never replaced.
void refuse_inputs(const std::string& target, const struct stat& info, const OutputRules& rules)
{
    std::vector<std::pair<std::string, std::string>> inputs;
    if (!rules.config_path.empty()) inputs.emplace_back(rules.config_path, "the config file (--config)");
    for (const auto& in : rules.inputs) inputs.emplace_back(in, "an input of this command (" + in + ")");
    for (const auto& [path, what] : inputs)
    {
        struct stat in_info = {};
        if (::stat(path.c_str(), &in_info) == 0 && in_info.st_dev == info.st_dev && in_info.st_ino == info.st_ino)
        {
            throw OutputRefused(rules.option + ": " + target + " is " + what + "; choose another output");
        }
    }
}
}  // namespace

void check_output_target(const std::string& target, const OutputRules& rules)
{
    const std::string& opt = rules.option;
    if (target.empty())
    {
        throw OutputRefused(opt + ": empty path");
    }
    if (target.back() == '/' || target == "." || target == ".."
        || (target.size() >= 2 && target.compare(target.size() - 2, 2, "/.") == 0)
        || (target.size() >= 3 && target.compare(target.size() - 3, 3, "/..") == 0))
    {
        throw OutputRefused(opt + ": " + target + " names a directory; give a new name");
    }
    const std::string dir = directory_of(target);
    struct stat dir_info = {};
    if (::stat(dir.c_str(), &dir_info) != 0)
    {
        throw OutputRefused(opt + ": directory " + dir + ": " + errno_text(errno));
    }
    if (!S_ISDIR(dir_info.st_mode))
    {
        throw OutputRefused(opt + ": " + dir + " is not a directory");
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
    {
        throw OutputRefused(opt + ": cannot write in directory " + dir + ": " + errno_text(errno));
    }

    struct stat info = {};
    if (::lstat(target.c_str(), &info) != 0)
    {
        if (errno == ENOENT) return;  // a new file
        throw OutputRefused(opt + ": " + target + ": " + errno_text(errno));
    }
    if (S_ISLNK(info.st_mode))
    {
        throw OutputRefused(opt + ": " + target
                            + " is a symbolic link; zdscan replaces its target by rename, which would replace the link "
                              "itself: give the file it points to");
    }
    refuse_inputs(target, info, rules);
    if (S_ISDIR(info.st_mode))
    {
        if (rules.kind == OutputKind::directory && is_zdscan_directory(target)) return;  // zdscan's own: replaced
        throw OutputRefused(opt + ": " + target + " is a directory"
                            + (rules.kind == OutputKind::directory
                                   ? " that zdscan did not create (no " + std::string(directory_marker)
                                         + " in it); refusing to replace it: give a new name"
                                   : "; give a file name"));
    }
    if (!S_ISREG(info.st_mode))
    {
        throw OutputRefused(opt + ": " + target
                            + " is not a regular file (a device, FIFO or socket); refusing to replace it");
    }
    if (rules.kind == OutputKind::directory)
    {
        throw OutputRefused(opt + ": " + target + " is a file; this output is a directory: give a new name");
    }
    if (rules.force) return;
    if ((info.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
    {
        throw OutputRefused(opt + ": " + target + " is read-only; refusing to replace it (--force replaces it)");
    }
    const bool ours = rules.kind == OutputKind::result_file ? is_zdscan_result(target) : is_zdscan_marked_file(target);
    if (!ours)
    {
        throw OutputRefused(opt + ": " + target + " exists and is not "
                            + (rules.kind == OutputKind::result_file ? "a zdscan result" : "a file zdscan wrote (a limit file, figure or report)")
                            + "; refusing to replace it (--force replaces it)");
    }
}

OutputLock::OutputLock(const std::string& target) : path_(lock_path_for(target))
{
    // The lock file may be unlinked by its holder as it finishes; re-check that the locked file is still the one
    // at the path, or two runs could each hold a lock on a different file.
    for (int attempt = 0; attempt < 100; ++attempt)
    {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
        {
            throw std::runtime_error("cannot create the lock file " + path_ + ": " + errno_text(errno));
        }
        const int locked = ::flock(fd_, LOCK_EX | LOCK_NB);
        if (locked != 0)
        {
            const int err = errno;
            char holder[64] = {};
            const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
            ::close(fd_);
            fd_ = -1;
            if (err == EWOULDBLOCK)
            {
                std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
                while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
                throw std::runtime_error("another zdscan run (" + (who.empty() ? "pid unknown" : who) + ") is writing "
                                         + target + " (lock " + path_
                                         + "); wait for it to finish or choose another --out");
            }
            throw std::runtime_error("cannot lock " + path_ + ": " + errno_text(err));
        }
        struct stat held = {}, at_path = {};
        if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &at_path) == 0 && held.st_ino == at_path.st_ino
            && held.st_dev == at_path.st_dev)
        {
            const std::string me = "pid " + std::to_string(::getpid()) + " on " + host_tag() + "\n";
            if (::ftruncate(fd_, 0) == 0)
            {
                const ssize_t ignored = ::pwrite(fd_, me.data(), me.size(), 0);
                (void)ignored;
            }
            return;
        }
        ::close(fd_);
        fd_ = -1;
    }
    throw std::runtime_error("cannot lock " + path_ + ": it keeps being replaced");
}

OutputLock::~OutputLock()
{
    if (fd_ >= 0)
    {
        ::unlink(path_.c_str());  // while still holding the lock (see the constructor)
        ::close(fd_);
    }
}

std::vector<std::string> clean_stale_temporaries(const std::string& target)
{
    std::vector<std::string> report;
    const std::string dir = directory_of(target);
    const std::string prefix = hidden_name(basename_of(target), temporary_marker);
    const std::string legacy_prefix = basename_of(target) + ".tmp.";  // zdscan 0.1: <name>.tmp.<pid>
    const std::string host = host_tag();
    DIR* d = ::opendir(dir.c_str());
    if (!d) return report;
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d))
    {
        names.emplace_back(e->d_name);
    }
    ::closedir(d);
    for (const std::string& name : names)
    {
        std::string file_host;
        long pid = -1;
        if (name.rfind(prefix, 0) == 0)
        {
            const std::string rest = name.substr(prefix.size());  // <host>.<pid>
            const auto dot = rest.rfind('.');
            if (dot == std::string::npos) continue;
            file_host = rest.substr(0, dot);
            pid = parse_pid(rest.substr(dot + 1));
        }
        else if (name.rfind(legacy_prefix, 0) == 0)
        {
            file_host = host;
            pid = parse_pid(name.substr(legacy_prefix.size()));
        }
        if (pid < 0) continue;
        const std::string path = join(dir, name);
        if (file_host != host)
        {
            report.push_back("left " + path + ": temporary file of a run on host " + file_host
                             + "; remove it if that run is over");
        }
        else if (pid == ::getpid())
        {
            continue;
        }
        else if (process_is_gone(pid))
        {
            struct stat info = {};
            const bool is_dir = ::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
            std::error_code ec;
            if (is_dir ? std::filesystem::remove_all(path, ec) != static_cast<std::uintmax_t>(-1) && !ec
                       : ::unlink(path.c_str()) == 0)
            {
                report.push_back("removed " + path + ": temporary file of an earlier run (pid " + std::to_string(pid)
                                 + ") that no longer runs");
            }
            else
            {
                report.push_back("cannot remove stale temporary file " + path + ": " + errno_text(errno));
            }
        }
        else
        {
            report.push_back("left " + path + ": its process (pid " + std::to_string(pid) + ") is still running");
        }
    }
    return report;
}

void check_output_target_before_rename(const std::string& target, const OutputRules& rules)
{
    try
    {
        check_output_target(target, rules);
    }
    catch (const OutputRefused& e)
    {
        throw std::runtime_error(std::string(e.what()) + " (it changed during the run; the result was not written)");
    }
}
}  // namespace zdscan
