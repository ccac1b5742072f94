/// \file checkpoint.cc
#include "zdscan/scan/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zdscan
{
namespace fs = std::filesystem;

namespace
{
constexpr int format_version = 1;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

void sync_path(const std::string& path, bool directory)
{
    const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) fail("checkpoint: opening " + path);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0 && !(directory && errno == EINVAL)) fail("checkpoint: syncing " + path);
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

std::optional<nlohmann::json> read_manifest(const std::string& dir)
{
    std::ifstream in(dir + "/manifest.json");
    if (!in) return std::nullopt;
    try
    {
        return nlohmann::json::parse(in);
    }
    catch (const nlohmann::json::exception&)
    {
        return std::nullopt;
    }
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
    const auto m = read_manifest(directory_for(target));
    if (!m) return fs::exists(directory_for(target)) ? std::optional<std::string>("no usable manifest") : std::nullopt;
    std::ostringstream s;
    s << m->value("tiles", nlohmann::json::array()).size() << " of "
      << m->value("plan", nlohmann::json::object()).value("n_tiles", 0) << " tiles, saved "
      << m->value("saved", std::string("?"));
    return s.str();
}

Checkpoint::Checkpoint(const std::string& target, CheckpointIdentity identity, bool resume, double interval_s)
    : dir_(directory_for(target)), identity_(std::move(identity)), resume_(resume), interval_s_(interval_s),
      last_flush_(std::chrono::steady_clock::now())
{
    const std::string name = fs::path(dir_).filename().string();
    if (resume_)
    {
        const auto m = read_manifest(dir_);
        if (!m) throw CheckpointMismatch("--resume: no checkpoint to resume (" + name + " has no manifest)");
        manifest_ = *m;
        if (manifest_.value("format", 0) != format_version)
        {
            throw CheckpointMismatch("--resume: " + name + " has checkpoint format "
                                     + manifest_.value("format", nlohmann::json(0)).dump() + ", this zdscan writes "
                                     + std::to_string(format_version));
        }
        const nlohmann::json& id = manifest_.at("identity");
        require_same(name, "zdscan version", id.at("zdscan_version"), identity_.zdscan_version);
        require_same(name, "config", id.at("config"), identity_.config);
        require_same(name, "--delta-profile", id.at("delta_profile"), identity_.delta_profile);
        require_same(name, "--full-grid", id.at("full_grid"), identity_.full_grid);
        return;  // tiles.bin is opened by restore(), once the plan is checked
    }
    // Starting over: the old checkpoint is invalid. The new one is created with the first tile (a short run that
    // succeeds then costs a directory and a few writes, and no sync).
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
    data_ = std::fopen((dir_ + "/tiles.bin").c_str(), "wb");
    if (!data_) fail("checkpoint: creating " + dir_ + "/tiles.bin");
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
    const nlohmann::json& plan = manifest_.at("plan");
    require_same(name, "backend (--backend)", plan.at("backend"), key.backend);
    require_same(name, "tile plan (number of tiles)", plan.at("n_tiles"), key.n_tiles);
    require_same(name, "tile plan (masses per tile; --tile-masses)", plan.at("masses_per_tile"), key.masses_per_tile);
    require_same(name, "tile plan (epsilon values per tile; --max-tile-mb)", plan.at("eps_per_tile"), key.eps_per_tile);
    bytes_ = manifest_.at("bytes").get<std::int64_t>();
    const auto listed = manifest_.at("tiles").get<std::vector<std::int64_t>>();

    // Read exactly the bytes the manifest vouches for; anything after them is from after the last save.
    std::vector<char> data(static_cast<std::size_t>(bytes_));
    {
        std::FILE* in = std::fopen((dir_ + "/tiles.bin").c_str(), "rb");
        if (!in) fail("checkpoint: opening " + dir_ + "/tiles.bin");
        const std::size_t got = std::fread(data.data(), 1, data.size(), in);
        std::fclose(in);
        if (got != data.size())
        {
            throw CheckpointMismatch("--resume: " + name + "/tiles.bin is shorter than its manifest says ("
                                     + std::to_string(got) + " of " + std::to_string(bytes_) + " bytes)");
        }
    }
    std::size_t at = 0;
    TileResult r;
    for (std::int64_t expected : listed)
    {
        std::int64_t t = -1;
        const std::size_t n = decode_tile(data.data() + at, data.size() - at, t, r);
        if (n == 0 || t != expected || t < 0 || t >= key.n_tiles)
        {
            throw CheckpointMismatch("--resume: " + name + "/tiles.bin does not hold the tiles its manifest lists");
        }
        merge(t, r);
        done_.push_back(t);
        at += n;
    }
    saved_ = static_cast<std::int64_t>(done_.size());
    // Continue appending after the vouched-for bytes.
    if (::truncate((dir_ + "/tiles.bin").c_str(), bytes_) != 0) fail("checkpoint: truncating " + dir_ + "/tiles.bin");
    data_ = std::fopen((dir_ + "/tiles.bin").c_str(), "ab");
    if (!data_) fail("checkpoint: opening " + dir_ + "/tiles.bin");
    return done_;
}

void Checkpoint::record(std::int64_t t, const TileResult& r)
{
    if (!data_) open_new();
    const std::vector<char> bytes = encode_tile(t, r);
    if (std::fwrite(bytes.data(), 1, bytes.size(), data_) != bytes.size())
        fail("checkpoint: writing " + dir_ + "/tiles.bin");
    bytes_ += static_cast<std::int64_t>(bytes.size());
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
                              {"bytes", bytes_},
                              {"saved", utc_now()}};
    const std::string tmp = dir_ + "/manifest.json.tmp", final_path = dir_ + "/manifest.json";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << m.dump() << "\n";
        out.flush();
        if (!out) fail("checkpoint: writing " + tmp);
    }
    sync_path(tmp, false);
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0) fail("checkpoint: renaming " + tmp);
    sync_path(dir_, true);
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
}  // namespace zdscan
