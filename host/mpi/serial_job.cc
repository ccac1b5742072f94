/// \file serial_job.cc
/// One process: the ParallelJob of a build without MPI (and the defaults of the MPI one).
#include <cstdio>
#include <cstdlib>

#include "zdscan/mpi/parallel_job.hpp"

namespace zdscan
{
void ParallelJob::fail(const std::string& message, bool error, int code)
{
    std::fprintf(stderr, "zdscan: %s%s\n", error ? "error: " : "", message.c_str());
    std::exit(code);
}

#if !ZDSCAN_USE_MPI
std::unique_ptr<ParallelJob> ParallelJob::start(int&, char**&)
{
    return std::make_unique<ParallelJob>();
}

bool built_with_mpi()
{
    return false;
}
#endif
}  // namespace zdscan
