/// \file mpi_job.cc
/// The MPI job (OpenMPI): rank 0 collects, every rank evaluates its share of the tiles (parallel_job.hpp).
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>

#include "zdscan/mpi/parallel_job.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
constexpr int tag_tile = 1;
constexpr int tag_error = 2;
/// Tiles a worker may have in flight to rank 0 (non-blocking sends): workers keep computing while rank 0 is busy
/// with its own tile, and memory stays bounded (a few tiles, each bounded by --max-tile-mb with --full-grid).
constexpr std::size_t max_in_flight = 4;

bool under_mpi_launcher()
{
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    {
        if (std::getenv(v)) return true;
    }
    return false;
}

class MpiExchange final : public TileExchange
{
  public:
    MpiExchange(int rank, int size) : rank_(rank), size_(size) {}

    bool evaluates(std::int64_t t) const override { return owner_[static_cast<std::size_t>(t)] == rank_; }
    bool collects() const override { return rank_ == 0; }
    void share_done(std::vector<char>& done) override
    {
        MPI_Bcast(done.data(), static_cast<int>(done.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
        // Round robin over the tiles still to do: every rank gets the same number to within one.
        owner_.assign(done.size(), -1);
        int next = 0;
        for (std::size_t t = 0; t < done.size(); ++t)
        {
            if (done[t]) continue;
            owner_[t] = next;
            if (next != 0) ++expected_;
            next = (next + 1) % size_;
        }
    }
    void send(std::int64_t t, const TileResult& r) override
    {
        in_flight_.push_back({encode_tile(t, r), MPI_REQUEST_NULL});
        auto& m = in_flight_.back();
        MPI_Isend(m.bytes.data(), static_cast<int>(m.bytes.size()), MPI_BYTE, 0, tag_tile, MPI_COMM_WORLD, &m.request);
        while (in_flight_.size() > max_in_flight) complete_oldest();
    }
    void receive(const TileMerge& merge, bool wait, const std::atomic<bool>* cancel) override
    {
        std::vector<char> buffer;
        TileResult r;
        while (received_ < expected_)
        {
            int ready = 0;
            MPI_Status status;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &ready, &status);
            if (!ready)
            {
                if (!wait) return;
                check_cancel(cancel);
                usleep(200);
                continue;
            }
            int count = 0;
            MPI_Get_count(&status, MPI_BYTE, &count);
            buffer.resize(static_cast<std::size_t>(count));
            MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            if (status.MPI_TAG == tag_error)
            {
                throw std::runtime_error("rank " + std::to_string(status.MPI_SOURCE) + ": "
                                         + std::string(buffer.begin(), buffer.end()));
            }
            std::int64_t t = -1;
            if (decode_tile(buffer.data(), buffer.size(), t, r) != buffer.size() || t < 0
                || static_cast<std::size_t>(t) >= owner_.size()
                || owner_[static_cast<std::size_t>(t)] != status.MPI_SOURCE)
            {
                throw std::runtime_error("rank " + std::to_string(status.MPI_SOURCE) + " sent a malformed tile");
            }
            merge(t, r);
            ++received_;
        }
    }
    void drain()
    {
        while (!in_flight_.empty()) complete_oldest();
    }

  private:
    struct Message
    {
        std::vector<char> bytes;
        MPI_Request request;
    };
    void complete_oldest()
    {
        MPI_Wait(&in_flight_.front().request, MPI_STATUS_IGNORE);
        in_flight_.pop_front();
    }

    int rank_, size_;
    std::vector<int> owner_;
    std::int64_t expected_ = 0, received_ = 0;
    std::deque<Message> in_flight_;
};

class MpiJob final : public ParallelJob
{
  public:
    MpiJob()
    {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        MPI_Comm local;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
        MPI_Comm_rank(local, &local_rank_);
        MPI_Comm_size(local, &local_size_);
        MPI_Comm_free(&local);
        if (size_ > 1) exchange_ = std::make_unique<MpiExchange>(rank_, size_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int local_rank() const override { return local_rank_; }
    int local_size() const override { return local_size_; }
    TileExchange* exchange() override { return exchange_.get(); }
    [[noreturn]] void abort(int code) override
    {
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
        std::exit(code);
    }
    [[noreturn]] void fail_and_wait(const std::string& message, bool error, int code) override
    {
        if (rank_ == 0 || size_ == 1)
        {
            std::fprintf(stderr, "zdscan: %s%s\n", error ? "error: " : "", message.c_str());
            abort(code);
        }
        // Rank 0 reports it, removes its temporary file and ends the job; this rank waits for that.
        MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0, tag_error, MPI_COMM_WORLD);
        for (;;) pause();
    }
    void finish() override
    {
        if (exchange_) exchange_->drain();
        MPI_Finalize();
    }

  private:
    int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
    std::unique_ptr<MpiExchange> exchange_;
};
}  // namespace

std::unique_ptr<ParallelJob> ParallelJob::start(int& argc, char**& argv)
{
    if (!under_mpi_launcher()) return std::make_unique<ParallelJob>();
    MPI_Init(&argc, &argv);
    return std::make_unique<MpiJob>();
}

bool built_with_mpi()
{
    return true;
}
}  // namespace zdscan
