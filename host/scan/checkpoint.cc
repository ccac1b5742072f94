/// \file checkpoint.cc
#include "zdscan/scan/checkpoint.hpp"

#include <cmath>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "zdscan/io/input_file.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/util/crc32c.hpp"
#include "zdscan/util/unique_fd.hpp"

namespace zdscan
{
namespace fs = std::filesystem;

namespace
{
constexpr int format_version = 2;  // 2: records with a CRC-32C, the manifest with their count and data checksum

/// A manifest holds the config and one number per tile: far below this.
constexpr std::size_t max_manifest_bytes = 256u << 20;

const char* start_over_hint = "; run the same command without --resume to start over (the checkpoint is replaced)";

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

/// Makes a rename in dir durable (files are synced through their own descriptors).
void sync_directory(const std::string& dir)
{
    const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) fail("checkpoint: opening " + dir);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) fail("checkpoint: syncing " + dir);
}

std::string utc_now()
{
    char buf[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// The first place two JSON values differ, as "path: a vs b".
std::optional<std::string> first_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& path)
{
    if (a.is_object() && b.is_object())
    {
        for (const auto& [k, v] : a.items())
        {
            const std::string p = path.empty() ? k : path + "." + k;
            if (!b.contains(k)) return p + ": " + v.dump() + " vs (absent)";
            if (auto d = first_difference(v, b.at(k), p)) return d;
        }
        for (const auto& [k, v] : b.items())
        {
            if (!a.contains(k)) return (path.empty() ? k : path + "." + k) + ": (absent) vs " + v.dump();
        }
        return std::nullopt;
    }
    if (a.is_array() && b.is_array() && a.size() == b.size())
    {
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            if (auto d = first_difference(a[i], b[i], path + "[" + std::to_string(i) + "]")) return d;
        }
        return std::nullopt;
    }
    if (a != b) return path + ": " + a.dump() + " vs " + b.dump();
    return std::nullopt;
}

/// Throws CheckpointMismatch when a checkpoint's value differs from this run's, naming what and where: the first
/// differing field of an object (a config), else the two values.
void require_same(const std::string& checkpoint, const std::string& what, const nlohmann::json& theirs,
                  const nlohmann::json& mine)
{
    if (theirs == mine) return;
    std::string detail = theirs.dump() + " there, " + mine.dump() + " here";
    if (theirs.is_object() && mine.is_object())
    {
        if (const auto d = first_difference(theirs, mine, "")) detail = *d + " (checkpoint vs this run)";
    }
    throw CheckpointMismatch("--resume: " + checkpoint + " was made with another " + what + ": " + detail);
}

/// The checkpoint directory must be a real directory of its own (a symbolic link would let a save write
/// elsewhere). Returns false when there is nothing at dir.
bool checkpoint_directory_exists(const std::string& dir)
{
    struct stat info = {};
    if (::lstat(dir.c_str(), &info) != 0) return false;
    if (S_ISLNK(info.st_mode) || !S_ISDIR(info.st_mode))
    {
        throw CheckpointMismatch("checkpoint " + dir + " is not a directory (a symbolic link or a file); remove it");
    }
    return true;
}

/// The manifest as JSON: a regular file (no link, no FIFO), bounded; nullopt when absent. Throws
/// CheckpointMismatch when it exists and is not a readable JSON object.
std::optional<nlohmann::json> read_manifest(const std::string& dir)
{
    const std::string path = dir + "/manifest.json";
    struct stat info = {};
    if (::lstat(path.c_str(), &info) != 0 && errno == ENOENT) return std::nullopt;
    try
    {
        auto j = nlohmann::json::parse(read_regular_file(path, max_manifest_bytes, "checkpoint manifest", true));
        if (!j.is_object()) throw CheckpointMismatch("not a JSON object");
        return j;
    }
    catch (const std::exception& e)
    {
        throw CheckpointMismatch("checkpoint " + dir + ": damaged manifest (" + e.what() + ")");
    }
}

/// Opens dir/tiles.bin without following a link; flags as for open(2).
UniqueFd open_data_file(const std::string& path, int flags)
{
    UniqueFd fd(::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid())
    {
        if (errno == ELOOP)
            throw CheckpointMismatch("checkpoint: " + path + " is a symbolic link; refusing to use it" + start_over_hint);
        // A damaged checkpoint (bad input, exit 2), like a damaged manifest: not a fault of this run.
        if (errno == ENOENT) throw CheckpointMismatch("checkpoint: " + path + " is missing" + start_over_hint);
        if (errno == EISDIR)
            throw CheckpointMismatch("checkpoint: " + path + " is a directory, not a file" + start_over_hint);
        fail("checkpoint: opening " + path);
    }
    struct stat info = {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
    {
        throw CheckpointMismatch("checkpoint: " + path + " is not a regular file" + start_over_hint);
    }
    return fd;
}

/// Opens `path` as a new stdio stream for appending, taking over fd (closed on failure too).
std::FILE* stream_of(UniqueFd fd, const std::string& path)
{
    std::FILE* f = ::fdopen(fd.get(), "ab");
    if (!f) fail("checkpoint: opening " + path);
    fd.release();
    return f;
}
}  // namespace

std::string Checkpoint::directory_for(const std::string& target)
{
    const fs::path p(target);
    std::string name = ".";
    name += p.filename().string();
    name += ".zdscan-checkpoint";
    return (p.parent_path() / name).string();
}

std::optional<std::string> Checkpoint::describe(const std::string& target)
{
    const std::string dir = directory_for(target);
    try
    {
        if (!checkpoint_directory_exists(dir)) return std::nullopt;
        const auto m = read_manifest(dir);
        if (!m) return std::string("no manifest");
        std::ostringstream s;
        const auto& tiles = (*m)["tiles"];
        const auto& plan = (*m)["plan"];
        s << (tiles.is_array() ? std::to_string(tiles.size()) : "?") << " of "
          << (plan.is_object() && plan["n_tiles"].is_number_integer() ? plan["n_tiles"].dump() : "?")
          << " tiles, saved " << ((*m)["saved"].is_string() ? (*m)["saved"].get<std::string>() : "?");
        return s.str();
    }
    catch (const std::exception& e)
    {
        return std::string("unusable: ") + e.what();
    }
}

Checkpoint::Checkpoint(const std::string& target, CheckpointIdentity identity, bool resume, double interval_s)
    : dir_(directory_for(target)), identity_(std::move(identity)), resume_(resume), interval_s_(interval_s),
      last_flush_(std::chrono::steady_clock::now())
{
    const std::string name = fs::path(dir_).filename().string();
    if (resume_)
    {
        const auto m = checkpoint_directory_exists(dir_) ? read_manifest(dir_) : std::nullopt;
        if (!m) throw CheckpointMismatch("--resume: no checkpoint to resume (" + name + " has no manifest)");
        manifest_ = *m;
        if (manifest_.value("format", nlohmann::json(0)) != format_version)
        {
            throw CheckpointMismatch("--resume: " + name + " has checkpoint format "
                                     + manifest_.value("format", nlohmann::json(0)).dump() + ", this zdscan writes "
                                     + std::to_string(format_version) + start_over_hint);
        }
        try
        {
            const nlohmann::json& id = manifest_.at("identity");
            require_same(name, "zdscan version", id.at("zdscan_version"), identity_.zdscan_version);
            // What made it first: a scan's checkpoint beside a coverage output (or the reverse) is not a config diff.
            const auto made_by = [](const nlohmann::json& mode)
            { return mode == "coverage" ? std::string("zdscan coverage") : std::string("zdscan scan"); };
            if (made_by(id.at("delta_profile")) != made_by(identity_.delta_profile))
            {
                throw CheckpointMismatch("--resume: " + name + " is a checkpoint of " + made_by(id.at("delta_profile"))
                                         + ", not of " + made_by(identity_.delta_profile) + start_over_hint);
            }
            require_same(name, "config", id.at("config"), identity_.config);
            require_same(name, "--delta-profile", id.at("delta_profile"), identity_.delta_profile);
            require_same(name, "--full-grid", id.at("full_grid"), identity_.full_grid);
        }
        catch (const nlohmann::json::exception& e)
        {
            throw CheckpointMismatch("--resume: " + name + ": damaged manifest (" + e.what() + ")" + start_over_hint);
        }
        return;  // tiles.bin is opened by restore(), once the plan is checked
    }
    // Starting over: the old checkpoint is invalid (remove_all removes a link there, not what it points to). The
    // new one is created with the first tile (a short run that succeeds then costs a directory and a few writes,
    // and no sync).
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void Checkpoint::open_new()
{
    std::error_code ec;
    if (!fs::create_directory(dir_, ec) && ec)
    {
        throw std::runtime_error("checkpoint: creating " + dir_ + ": " + ec.message());
    }
    checkpoint_directory_exists(dir_);
    const std::string path = dir_ + "/tiles.bin";
    ::unlink(path.c_str());  // a file left there (a link, a FIFO) is replaced, never opened
    data_ = stream_of(open_data_file(path, O_WRONLY | O_CREAT | O_EXCL), path);
    data_crc_ = 0;
}

Checkpoint::~Checkpoint()
{
    if (data_) std::fclose(data_);
}

std::vector<std::int64_t> Checkpoint::restore(const TilePlanKey& key, const TileMerge& merge)
{
    key_ = key;
    if (!resume_) return {};
    const std::string name = fs::path(dir_).filename().string();
    const std::string data_path = dir_ + "/tiles.bin";
    std::vector<std::int64_t> listed;
    std::int64_t records = 0;
    std::uint32_t expected_crc = 0;
    try
    {
        const nlohmann::json& plan = manifest_.at("plan");
        require_same(name, "backend (--backend)", plan.at("backend"), key.backend);
        require_same(name, "tile plan (number of tiles; --tile-masses, --max-tile-mb)", plan.at("n_tiles"),
                     key.n_tiles);
        require_same(name, "tile plan (masses per tile; --tile-masses)", plan.at("masses_per_tile"),
                     key.masses_per_tile);
        require_same(name, "tile plan (epsilon values per tile; --max-tile-mb)", plan.at("eps_per_tile"),
                     key.eps_per_tile);
        bytes_ = manifest_.at("bytes").get<std::int64_t>();
        listed = manifest_.at("tiles").get<std::vector<std::int64_t>>();
        records = manifest_.at("records").get<std::int64_t>();
        expected_crc = manifest_.at("data_crc32c").get<std::uint32_t>();
        if (manifest_.contains("wall_time_s"))  // absent in checkpoints of earlier versions
        {
            prior_wall_time_s_ = manifest_.at("wall_time_s").get<double>();
            if (!std::isfinite(prior_wall_time_s_) || prior_wall_time_s_ < 0 || prior_wall_time_s_ > 1e9)
                throw CheckpointMismatch("--resume: " + name + ": damaged manifest (wall_time_s is not a time)"
                                         + start_over_hint);
        }
    }
    catch (const nlohmann::json::exception& e)
    {
        throw CheckpointMismatch("--resume: " + name + ": damaged manifest (" + e.what() + ")" + start_over_hint);
    }
    const auto damaged = [&](const std::string& why)
    { return CheckpointMismatch("--resume: " + name + ": " + why + start_over_hint); };
    if (records != static_cast<std::int64_t>(listed.size()))
        throw damaged("the manifest lists " + std::to_string(listed.size()) + " tiles but counts "
                      + std::to_string(records) + " records");
    {
        std::vector<char> seen(static_cast<std::size_t>(key.n_tiles), 0);
        for (std::int64_t t : listed)
        {
            if (t < 0 || t >= key.n_tiles || seen[static_cast<std::size_t>(t)]++)
                throw damaged("the manifest lists tile " + std::to_string(t) + " twice or outside the plan");
        }
    }

    // Read exactly the bytes the manifest vouches for; anything after them is from after the last save.
    UniqueFd fd = open_data_file(data_path, O_RDWR);
    struct stat info = {};
    ::fstat(fd.get(), &info);
    if (bytes_ < 0 || bytes_ > info.st_size)
    {
        throw damaged("tiles.bin is shorter than its manifest says (" + std::to_string(info.st_size) + " of "
                      + std::to_string(bytes_) + " bytes)");
    }
    std::vector<char> data(static_cast<std::size_t>(bytes_));
    std::size_t got = 0;
    while (got < data.size())
    {
        const ssize_t n = ::pread(fd.get(), data.data() + got, data.size() - got, static_cast<off_t>(got));
        if (n <= 0)
        {
            if (n < 0 && errno == EINTR) continue;
            throw damaged("tiles.bin could not be read (" + std::to_string(got) + " of " + std::to_string(bytes_)
                          + " bytes)");
        }
        got += static_cast<std::size_t>(n);
    }
    data_crc_ = crc32c(data.data(), data.size());
    if (data_crc_ != expected_crc)
    {
        throw damaged("tiles.bin does not match its manifest (checksum " + std::to_string(data_crc_) + ", manifest "
                      + std::to_string(expected_crc) + "): it is damaged or from another run");
    }
    std::size_t at = 0;
    TileResult r;
    for (std::size_t k = 0; k < listed.size(); ++k)
    {
        std::int64_t t = -1;
        const std::size_t n = decode_tile(data.data() + at, data.size() - at, t, r);
        std::string problem;
        if (n == 0)
            problem = "is malformed or fails its checksum";
        else if (t != listed[k])
            problem = "holds tile " + std::to_string(t) + " where the manifest lists " + std::to_string(listed[k]);
        if (problem.empty())
        {
            try
            {
                merge(t, r);
            }
            catch (const InvalidTileResult& e)
            {
                problem = std::string("cannot be used: ") + e.what();
            }
            catch (const NonFiniteChi2&)
            {
                problem = "holds a non-finite chi2 (a scan never saves one)";
            }
        }
        if (!problem.empty())
        {
            throw damaged("tiles.bin record " + std::to_string(k) + " (at byte " + std::to_string(at) + ") "
                          + problem);
        }
        done_.push_back(t);
        at += n;
    }
    if (at != data.size())
    {
        throw damaged("tiles.bin has " + std::to_string(data.size() - at) + " bytes after its last listed record");
    }
    saved_ = static_cast<std::int64_t>(done_.size());
    // Continue appending after the vouched-for bytes (on the descriptor: a path could be swapped for a link).
    if (::ftruncate(fd.get(), static_cast<off_t>(bytes_)) != 0 || ::lseek(fd.get(), 0, SEEK_END) < 0)
    {
        fail("checkpoint: truncating " + data_path);
    }
    data_ = stream_of(std::move(fd), data_path);
    return done_;
}

void Checkpoint::record(std::int64_t t, const TileResult& r)
{
    if (!data_) open_new();
    const std::vector<char> bytes = encode_tile(t, r);
    if (std::fwrite(bytes.data(), 1, bytes.size(), data_) != bytes.size())
        fail("checkpoint: writing " + dir_ + "/tiles.bin");
    bytes_ += static_cast<std::int64_t>(bytes.size());
    data_crc_ = crc32c(bytes.data(), bytes.size(), data_crc_);
    done_.push_back(t);
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_flush_).count() >= interval_s_) flush();
}

void Checkpoint::flush()
{
    if (!data_) return;
    saved_ = 0;  // until this save is complete: a failed save leaves nothing this run can vouch for
    if (std::fflush(data_) != 0 || ::fsync(fileno(data_)) != 0) fail("checkpoint: syncing " + dir_ + "/tiles.bin");
    write_manifest();
    saved_ = static_cast<std::int64_t>(done_.size());
    last_flush_ = std::chrono::steady_clock::now();
}

void Checkpoint::write_manifest()
{
    const nlohmann::json m = {{"format", format_version},
                              {"identity",
                               {{"zdscan_version", identity_.zdscan_version},
                                {"config", identity_.config},
                                {"delta_profile", identity_.delta_profile},
                                {"full_grid", identity_.full_grid}}},
                              {"plan",
                               {{"backend", key_.backend},
                                {"n_tiles", key_.n_tiles},
                                {"masses_per_tile", key_.masses_per_tile},
                                {"eps_per_tile", key_.eps_per_tile}}},
                              {"tiles", done_},
                              {"records", done_.size()},
                              {"bytes", bytes_},
                              {"data_crc32c", data_crc_},
                              {"saved", utc_now()},
                              {"wall_time_s", prior_wall_time_s_ + std::chrono::duration<double>(
                                                                       std::chrono::steady_clock::now() - started_)
                                                                       .count()}};
    const std::string tmp = dir_ + "/manifest.json.tmp", final_path = dir_ + "/manifest.json";
    {
        ::unlink(tmp.c_str());  // whatever is there (a link) is replaced, never followed
        const UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!fd.valid()) fail("checkpoint: creating " + tmp);
        const std::string text = m.dump() + "\n";
        std::size_t done = 0;
        while (done < text.size())
        {
            const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("checkpoint: writing " + tmp);
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) fail("checkpoint: syncing " + tmp);
    }
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0) fail("checkpoint: renaming " + tmp);
    sync_directory(dir_);
}

void Checkpoint::remove()
{
    if (data_)
    {
        std::fclose(data_);
        data_ = nullptr;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}
void Checkpoint::conclude_failed_run(bool resumed, const char* units)
{
    if (tiles_saved() > 0)
    {
        std::fprintf(stderr,
                     "\n[zdscan] checkpoint kept: %lld of %lld %s in %s; run the same command with --resume to "
                     "continue\n",
                     static_cast<long long>(tiles_saved()), static_cast<long long>(tiles_total()), units,
                     directory().c_str());
    }
    else if (!resumed)
    {
        remove();
    }
}
}  // namespace zdscan
