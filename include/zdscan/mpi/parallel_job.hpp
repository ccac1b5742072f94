/// \file parallel_job.hpp
/// The processes of one `zdscan scan`: a single process, or the ranks of an MPI job (`mpirun -n R zdscan scan`,
/// `srun zdscan scan`). With MPI the tiles are dealt out over the ranks (round robin over the tiles still to do:
/// balanced to one tile whatever R), each rank evaluates its own with its GPU (chosen by node-local rank) or its
/// share of the node's CPU threads, and rank 0 merges every tile and writes the one file, streaming --full-grid
/// slabs as they arrive (no rank holds the 3-D grid). docs/cluster.md.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "zdscan/scan/tile_exchange.hpp"

namespace zdscan
{
class ParallelJob
{
  public:
    virtual ~ParallelJob() = default;
    /// MPI when this zdscan was built with it and runs under an MPI launcher (mpirun, srun), else one process.
    static std::unique_ptr<ParallelJob> start(int& argc, char**& argv);

    virtual int rank() const { return 0; }
    virtual int size() const { return 1; }
    virtual int local_rank() const { return 0; }  ///< among the ranks on this node
    virtual int local_size() const { return 1; }
    /// The tile exchange of this job (null for one process).
    virtual TileExchange* exchange() { return nullptr; }
    /// A process that failed (error) or was stopped: rank 0 (or a single process) prints "zdscan: [error: ]<message>"
    /// and ends the job with code; a worker reports to rank 0 (which then does that) and exits with 0 once rank 0
    /// ends the job: the job's exit status is rank 0's. Every rank leaves through MPI_Finalize, never MPI_Abort.
    [[noreturn]] virtual void fail(const std::string& message, bool error, int code);
    /// Normal end (MPI_Finalize after every worker has handed over its tiles).
    virtual void finish() {}
};

/// A worker rank's failure, as rank 0 learns it: the worker's exit code and whether it was a stop request.
struct RankFailed : std::runtime_error
{
    RankFailed(const std::string& message, int exit_code, bool stop_request)
        : std::runtime_error(message), code(exit_code), interrupted(stop_request)
    {
    }
    int code;
    bool interrupted;
};

/// Whether this zdscan was built with MPI.
bool built_with_mpi();
}  // namespace zdscan
