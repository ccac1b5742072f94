/// \file fuzz_checkpoint.cc
/// libFuzzer target: resuming a checkpoint (manifest.json + tiles.bin) as `zdscan scan --resume` does, on arbitrary
/// bytes. Input: a 2-byte little-endian manifest length, the manifest, then tiles.bin. The merge is the driver's
/// check (tile_result_problem) on a fixed plan of 8 x 8 cells in 4 tiles with 5 δ points. CheckpointMismatch is the
/// expected answer to damage; a crash, a sanitizer report or any other exception is a bug.
///
/// `ZDSCAN_FUZZ_SEED_DIR=DIR fuzz_checkpoint -runs=0` writes a valid checkpoint as a seed into DIR.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "zdscan/scan/checkpoint.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/util/crc32c.hpp"

namespace
{
using namespace zdscan;
namespace fs = std::filesystem;

constexpr int n_m = 8, n_eps = 8, n_delta = 5, masses_per_tile = 2;
const TilePlanKey key{"cpu", n_m / masses_per_tile, masses_per_tile, n_eps};

CheckpointIdentity identity()
{
    return {"fuzz", nlohmann::json{{"name", "fuzz"}}, "exact", false};
}

Tile tile_of(std::int64_t t)
{
    return Tile{static_cast<int>(t) * masses_per_tile, static_cast<int>(t + 1) * masses_per_tile, 0, n_eps};
}

/// This process's scratch directory, removed when the fuzzer exits (never destroyed before that handler runs).
const fs::path& work_dir()
{
    static const fs::path* dir = [] {
        auto* d = new fs::path(fs::temp_directory_path() / ("zdscan-fuzz-checkpoint." + std::to_string(::getpid())));
        fs::create_directories(*d);
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(work_dir(), ec);
        });
        return d;
    }();
    return *dir;
}

void write_file(const fs::path& p, const char* data, std::size_t n)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(data, static_cast<std::streamsize>(n));
}

/// A valid checkpoint of two tiles (the seed).
std::string valid_input()
{
    std::string tiles;
    nlohmann::json listed = nlohmann::json::array();
    for (std::int64_t t : {0, 2})
    {
        TileResult r;
        const auto cells = static_cast<std::size_t>(tile_of(t).cells());
        r.chi2_min.assign(cells, 1.5);
        r.argmin.assign(cells, 2);
        r.delta_at_min.assign(cells, 0.001);
        r.delta_profile.assign(n_delta, 1.5);
        const auto rec = encode_tile(t, r);
        tiles.append(rec.data(), rec.size());
        listed.push_back(t);
    }
    const auto id = identity();
    const nlohmann::json m = {
        {"format", 2},
        {"identity",
         {{"zdscan_version", id.zdscan_version}, {"config", id.config}, {"delta_profile", id.delta_profile},
          {"full_grid", id.full_grid}}},
        {"plan", {{"backend", key.backend}, {"n_tiles", key.n_tiles}, {"masses_per_tile", key.masses_per_tile},
                  {"eps_per_tile", key.eps_per_tile}}},
        {"tiles", listed},
        {"records", listed.size()},
        {"bytes", tiles.size()},
        {"data_crc32c", crc32c(tiles.data(), tiles.size())},
        {"saved", "seed"}};
    const std::string manifest = m.dump();
    std::string input;
    input += static_cast<char>(manifest.size() & 0xFF);
    input += static_cast<char>(manifest.size() >> 8);
    return input + manifest + tiles;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* dir = std::getenv("ZDSCAN_FUZZ_SEED_DIR"))
    {
        const std::string seed = valid_input();
        write_file(fs::path(dir) / "valid_checkpoint", seed.data(), seed.size());
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) return 0;
    const std::size_t manifest_size = std::min<std::size_t>(data[0] | (data[1] << 8), size - 2);
    const fs::path target = work_dir() / "r.h5";
    const fs::path dir = Checkpoint::directory_for(target.string());
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    const char* bytes = reinterpret_cast<const char*>(data);
    write_file(dir / "manifest.json", bytes + 2, manifest_size);
    write_file(dir / "tiles.bin", bytes + 2 + manifest_size, size - 2 - manifest_size);
    const TileShape shape{n_delta, false, true, -0.01, 0.01};
    try
    {
        Checkpoint c(target.string(), identity(), true, 0);
        c.restore(key,
                  [&](std::int64_t t, const TileResult& r)
                  {
                      if (t < 0 || t >= key.n_tiles) throw InvalidTileResult("tile out of the plan");
                      if (const auto why = tile_result_problem(tile_of(t), shape, r); !why.empty())
                          throw InvalidTileResult(why);
                  });
    }
    catch (const CheckpointMismatch&)
    {
    }
    return 0;
}
