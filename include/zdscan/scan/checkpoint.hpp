/// \file checkpoint.hpp
/// Checkpoint and resume (`zdscan scan --resume`): the tiles a scan has finished, beside its output in
/// `.<name>.zdscan-checkpoint/`:
/// - `tiles.bin`: the finished tiles' results, appended (encode_tile records; with --full-grid their χ² slabs too);
/// - `manifest.json`: what the run is (zdscan version, config, δ profile, full grid, backend, tile plan), which
///   tiles are done and how many bytes of tiles.bin hold them.
/// The manifest is replaced atomically (written to a temporary, synced, renamed) after tiles.bin is synced, at
/// most every `interval` seconds and on a stop request or an error. The directory is created with the first tile. A crash at any instant therefore leaves either the old or
/// the new manifest, and each describes data that is on disk; bytes after it are dropped on resume. The
/// collector (the serial process, MPI rank 0) keeps it: a run may resume with another number of ranks.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zdscan/scan/tile_exchange.hpp"

namespace zdscan
{
/// A checkpoint that cannot be resumed by this run (exit 2): the message names the difference.
class CheckpointMismatch : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// What a run must share with a checkpoint to resume it (the tile plan is checked in restore()).
struct CheckpointIdentity
{
    std::string zdscan_version;
    nlohmann::json config;  ///< resolved (to_json)
    std::string delta_profile;
    bool full_grid = false;
};

class Checkpoint final : public TileJournal
{
  public:
    /// `.<basename>.zdscan-checkpoint` in the target's directory.
    static std::string directory_for(const std::string& target);
    /// One line on an existing checkpoint of target ("12 of 40 tiles, saved 2026-11-25T07:30:00Z"), if any.
    static std::optional<std::string> describe(const std::string& target);

    /// resume: continue target's checkpoint (CheckpointMismatch when there is none or it differs); otherwise a new
    /// one replaces any old one. interval_s: the longest time between two durable states (0: after every tile).
    Checkpoint(const std::string& target, CheckpointIdentity identity, bool resume, double interval_s);
    ~Checkpoint() override;
    Checkpoint(const Checkpoint&) = delete;
    Checkpoint& operator=(const Checkpoint&) = delete;

    std::vector<std::int64_t> restore(const TilePlanKey& key, const TileMerge& merge) override;
    void record(std::int64_t t, const TileResult& r) override;
    void flush() override;

    std::int64_t tiles_done() const { return static_cast<std::int64_t>(done_.size()); }
    /// Tiles the manifest on disk vouches for (0 when no save succeeded, or the last one failed).
    std::int64_t tiles_saved() const { return saved_; }
    std::int64_t tiles_total() const { return key_.n_tiles; }
    const std::string& directory() const { return dir_; }
    /// Wall time of the earlier runs whose tiles were restored (0 for a new checkpoint or one from before the
    /// manifest kept it): the result's provenance sums it with this run's.
    double prior_wall_time_s() const { return prior_wall_time_s_; }
    /// After the result is in place: the checkpoint is no longer needed.
    void remove();
    /// After a failed or stopped run: keep a checkpoint that holds saved units (resumable; says so on stderr, units
    /// naming them, e.g. "tiles"), else remove this run's new one (it holds none, or its last save failed, e.g. on a
    /// full disk) but never an earlier run's (resumed: e.g. a refused resume).
    void conclude_failed_run(bool resumed, const char* units);

  private:
    void open_new();
    void write_manifest();

    std::string dir_;
    CheckpointIdentity identity_;
    bool resume_;
    double interval_s_;
    nlohmann::json manifest_;  ///< as read, when resuming
    TilePlanKey key_;
    std::vector<std::int64_t> done_;
    std::FILE* data_ = nullptr;
    std::int64_t bytes_ = 0;  ///< bytes of tiles.bin written so far
    std::uint32_t data_crc_ = 0;  ///< CRC-32C of those bytes (the manifest binds tiles.bin by it)
    std::int64_t saved_ = 0;  ///< tiles in the last manifest written
    std::chrono::steady_clock::time_point last_flush_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    double prior_wall_time_s_ = 0;
};
}  // namespace zdscan
