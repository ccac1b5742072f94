/// \file tile_exchange.hpp
/// Where a scan's tiles go besides this process's own loop (scan_driver.cc): other MPI ranks (TileExchange,
/// host/mpi/) and a checkpoint journal (TileJournal, checkpoint.hpp). Tiles are numbered in TilePlan order. The
/// collector (the serial process, or MPI rank 0) merges every tile and writes the file; merging is exact (cell
/// copies and minima), so the result does not depend on which process computed a tile or in what order tiles
/// arrive.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
/// Merges tile t's result into the scan (the collector's side).
using TileMerge = std::function<void(std::int64_t t, const TileResult& r)>;

class TileExchange
{
  public:
    virtual ~TileExchange() = default;
    /// Whether this process evaluates tile t.
    virtual bool evaluates(std::int64_t t) const = 0;
    /// Whether this process merges every tile.
    virtual bool collects() const = 0;
    /// The collector's list of tiles restored from a checkpoint (done[t] != 0), shared with every process so that
    /// none recomputes them. Called once, before the loop, by every process.
    virtual void share_done(std::vector<char>& done) = 0;
    /// A tile this process evaluated, when it does not collect: hand it to the collector.
    virtual void send(std::int64_t t, const TileResult& r) = 0;
    /// Collector: merge the tiles that have arrived; with wait, every remaining one (checking cancel meanwhile).
    virtual void receive(const TileMerge& merge, bool wait, const std::atomic<bool>* cancel) = 0;
};

/// What a checkpoint must match to be resumed, besides the run's config (checkpoint.hpp): the backend and the tile
/// plan (tiles are its units).
struct TilePlanKey
{
    std::string backend;
    std::int64_t n_tiles = 0;
    int masses_per_tile = 0, eps_per_tile = 0;
};

class TileJournal
{
  public:
    virtual ~TileJournal() = default;
    /// Tiles an earlier run finished: each is merged; returns their numbers. Throws when the key differs.
    virtual std::vector<std::int64_t> restore(const TilePlanKey& key, const TileMerge& merge) = 0;
    /// A tile merged in this run (after restore). Makes it durable at most every interval of the journal.
    virtual void record(std::int64_t t, const TileResult& r) = 0;
    /// Makes everything recorded durable now (e.g. on a stop request).
    virtual void flush() = 0;
};

/// A tile's result as bytes (MPI messages, checkpoint records) and back.
std::vector<char> encode_tile(std::int64_t t, const TileResult& r);
/// Decodes one record at data (size bytes at least); returns its length, or 0 if it is incomplete, malformed or
/// fails its checksum.
std::size_t decode_tile(const char* data, std::size_t size, std::int64_t& t, TileResult& r);

/// What a decoded tile result must be before it is merged (a record from another rank or a checkpoint is
/// untrusted): arrays of the tile's sizes, δ indices on the axis, χ² finite and ≥ 0 unless first_nonfinite names a
/// point of the tile, exact δ inside the axis. Returns "" when it is, else the first problem.
struct TileShape
{
    int n_delta = 1;
    bool full = false;   ///< --full-grid: the [cells][n_delta] block is present
    bool exact = false;  ///< exact δ profile: delta_at_min is present
    double delta_min = 0, delta_max = 0;
};
std::string tile_result_problem(const Tile& tile, const TileShape& shape, const TileResult& r);
}  // namespace zdscan
