/// \file mpi_job.cc
/// The MPI job (OpenMPI): rank 0 collects, every rank evaluates its share of the tiles (parallel_job.hpp).
///
/// Every run ends with MPI_Finalize on every rank, a failed one too: MPI_Abort makes Open MPI 4.1's mpirun hang
/// (PMIx_server_finalize deadlock) or crash in a few per cent of jobs. The end is a handshake, all point to point and
/// non-blocking so that no rank can wait on another that waits on it:
///   worker -> 0  tag_tile*, [tag_error], tag_bye   (then it sends nothing more)
///   0 -> worker  tag_done (the tiles restored from a checkpoint), ..., tag_end (the job's exit code)
/// A worker checks for tag_end after each tile and stops early when it comes; rank 0 sends tag_end when it fails
/// or finishes and receives (and drops) whatever still arrives until every worker has said bye.
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <stdexcept>

#include "zdscan/mpi/message_chunks.hpp"
#include "zdscan/mpi/parallel_job.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
constexpr int tag_tile = 1;
constexpr int tag_error = 2;
constexpr int tag_bye = 3;
constexpr int tag_done = 4;
constexpr int tag_end = 5;
constexpr int tag_chunked = 6;  ///< the header of a message sent in chunks (message_chunks.hpp)
constexpr int tag_chunk = 7;    ///< one of its chunks
/// Tiles a worker may have in flight to rank 0 (non-blocking sends): workers keep computing while rank 0 is busy
/// with its own tile, and memory stays bounded (a few tiles, each bounded by --max-tile-mb with --full-grid).
constexpr std::size_t max_in_flight = 4;
/// How long rank 0 waits for the workers' bye after tag_end (a worker finishes the tile it is computing first)
/// before it falls back to MPI_Abort.
constexpr double end_wait_s = 300;

bool under_mpi_launcher()
{
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    {
        if (std::getenv(v)) return true;
    }
    return false;
}

/// A worker learns that rank 0 ended the job (it failed or was stopped): the worker stops without a message.
struct EndedByCollector : std::runtime_error
{
    EndedByCollector() : std::runtime_error("the job was ended by rank 0") {}
};

/// A worker's failure as sent to rank 0: exit code, whether it was a stop request, message.
std::vector<char> encode_failure(int code, bool interrupted, const std::string& message)
{
    std::vector<char> bytes(5 + message.size());
    const std::int32_t c = code;
    std::memcpy(bytes.data(), &c, 4);
    bytes[4] = interrupted ? 1 : 0;
    std::memcpy(bytes.data() + 5, message.data(), message.size());
    return bytes;
}

RankFailed decode_failure(int rank, const std::vector<char>& bytes)
{
    std::int32_t code = 1;
    bool interrupted = false;
    std::string message = "failed (malformed error message)";
    if (bytes.size() >= 5)
    {
        std::memcpy(&code, bytes.data(), 4);
        interrupted = bytes[4] != 0;
        message.assign(bytes.begin() + 5, bytes.end());
        if (code <= 0 || code > 255) code = 1;
    }
    return RankFailed("rank " + std::to_string(rank) + ": " + message, code, interrupted);
}

class MpiExchange final : public TileExchange
{
  public:
    MpiExchange(int rank, int size) : rank_(rank), size_(size) {}

    bool evaluates(std::int64_t t) const override { return owner_[static_cast<std::size_t>(t)] == rank_; }
    bool collects() const override { return rank_ == 0; }
    void share_done(std::vector<char>& done) override
    {
        const int n = checked_count(done.size());
        if (rank_ == 0)
        {
            std::vector<MPI_Request> requests(static_cast<std::size_t>(size_ - 1));
            for (int r = 1; r < size_; ++r)
            {
                MPI_Isend(done.data(), n, MPI_CHAR, r, tag_done, MPI_COMM_WORLD, &requests[r - 1]);
            }
            // Workers that failed before this point still receive it (end_worker takes anything from rank 0).
            MPI_Waitall(size_ - 1, requests.data(), MPI_STATUSES_IGNORE);
        }
        else
        {
            for (;;)
            {
                MPI_Status status;
                poll_from_collector(status);
                if (status.MPI_TAG == tag_end)
                {
                    receive_end();
                    throw EndedByCollector();
                }
                if (status.MPI_TAG == tag_done)
                {
                    MPI_Recv(done.data(), n, MPI_CHAR, 0, tag_done, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    break;
                }
                drop(status);
            }
        }
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
        check_end();
        post(encode_tile(t, r), tag_tile);
        while (in_flight_.size() > max_in_flight)
        {
            auto& requests = in_flight_.front().requests;  // rank 0 receives tiles until the end
            MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
            in_flight_.pop_front();
        }
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
            const int tag = receive_into(buffer, status);
            if (tag == tag_bye)
            {
                ++byes_;
                continue;
            }
            if (tag == tag_error) throw decode_failure(status.MPI_SOURCE, buffer);
            std::int64_t t = -1;
            if (tag != tag_tile || decode_tile(buffer.data(), buffer.size(), t, r) != buffer.size()
                || t < 0 || static_cast<std::size_t>(t) >= owner_.size()
                || owner_[static_cast<std::size_t>(t)] != status.MPI_SOURCE)
            {
                throw std::runtime_error("rank " + std::to_string(status.MPI_SOURCE) + " sent a malformed tile");
            }
            merge(t, r);
            ++received_;
        }
    }

    /// Rank 0: tells every worker the job ends with code and waits (receiving and dropping whatever arrives) until
    /// each has said bye. Returns false when some worker did not within end_wait_s.
    bool end_collector(int code)
    {
        const std::int32_t c = code;
        std::vector<MPI_Request> requests(static_cast<std::size_t>(size_ - 1));
        for (int r = 1; r < size_; ++r) MPI_Isend(&c, 1, MPI_INT32_T, r, tag_end, MPI_COMM_WORLD, &requests[r - 1]);
        std::vector<char> buffer;
        const auto start = std::chrono::steady_clock::now();
        int sent = 0;
        while (byes_ < size_ - 1 || !sent)
        {
            if (!sent) MPI_Testall(size_ - 1, requests.data(), &sent, MPI_STATUSES_IGNORE);
            int ready = 0;
            MPI_Status status;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &ready, &status);
            if (ready)
            {
                if (receive_into(buffer, status) == tag_bye) ++byes_;
                continue;
            }
            if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > end_wait_s)
            {
                return false;
            }
            usleep(200);
        }
        return true;
    }

    /// A worker: reports its failure (unless rank 0 ended the job), says bye, completes its sends and waits for
    /// rank 0's tag_end.
    void end_worker(const RankFailed* failure)
    {
        if (failure && !ended_) post(encode_failure(failure->code, failure->interrupted, failure->what()), tag_error);
        post({}, tag_bye);
        for (;;)
        {
            while (!in_flight_.empty())
            {
                int complete = 0;
                auto& requests = in_flight_.front().requests;
                MPI_Testall(static_cast<int>(requests.size()), requests.data(), &complete, MPI_STATUSES_IGNORE);
                if (!complete) break;
                in_flight_.pop_front();
            }
            if (in_flight_.empty() && ended_) return;
            int ready = 0;
            MPI_Status status;
            MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &ready, &status);
            if (!ready)
            {
                usleep(200);
                continue;
            }
            if (status.MPI_TAG == tag_end)
            {
                receive_end();
            }
            else
            {
                drop(status);  // e.g. the done list of a job this worker failed before joining
            }
        }
    }

  private:
    struct Message
    {
        std::vector<char> bytes;
        std::vector<char> header;  ///< a chunked message's ChunkedHeader (kept alive until the send completes)
        std::vector<MPI_Request> requests;
    };
    /// Chunks of at most this many bytes ($ZDSCAN_MPI_MAX_CHUNK_BYTES lowers it for tests).
    static std::size_t max_chunk_bytes()
    {
        static const std::size_t bytes = []
        {
            const char* v = std::getenv("ZDSCAN_MPI_MAX_CHUNK_BYTES");
            const long long n = v ? std::atoll(v) : 0;
            return n > 0 && static_cast<std::size_t>(n) < default_max_chunk_bytes ? static_cast<std::size_t>(n)
                                                                                 : default_max_chunk_bytes;
        }();
        return bytes;
    }
    static int checked_count(std::size_t n)
    {
        if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        {
            throw std::runtime_error("an MPI message of " + std::to_string(n) + " bytes exceeds MPI's int count");
        }
        return static_cast<int>(n);
    }
    /// Sends bytes to rank 0 without blocking: one message, or above max_chunk_bytes() a header and chunks (MPI
    /// counts are int; a tile record can exceed 2 GiB).
    void post(std::vector<char> bytes, int tag)
    {
        in_flight_.push_back({std::move(bytes), {}, {}});
        auto& m = in_flight_.back();
        if (m.bytes.size() <= max_chunk_bytes())
        {
            m.requests.resize(1);
            MPI_Isend(m.bytes.data(), checked_count(m.bytes.size()), MPI_BYTE, 0, tag, MPI_COMM_WORLD, &m.requests[0]);
            return;
        }
        m.header = ChunkedHeader{m.bytes.size(), tag, max_chunk_bytes()}.encode();
        const auto chunks = plan_chunks(m.bytes.size(), max_chunk_bytes());
        m.requests.resize(1 + chunks.size());
        MPI_Isend(m.header.data(), checked_count(m.header.size()), MPI_BYTE, 0, tag_chunked, MPI_COMM_WORLD,
                  &m.requests[0]);
        for (std::size_t i = 0; i < chunks.size(); ++i)
        {
            MPI_Isend(m.bytes.data() + chunks[i].offset, checked_count(chunks[i].size), MPI_BYTE, 0, tag_chunk,
                      MPI_COMM_WORLD, &m.requests[1 + i]);
        }
    }
    /// Receives the message status announces into buffer; returns its tag (a chunked message's own tag, its chunks
    /// reassembled: MPI keeps the order of one sender's messages on one tag).
    int receive_into(std::vector<char>& buffer, const MPI_Status& status)
    {
        int count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        buffer.resize(static_cast<std::size_t>(std::max(count, 0)));
        MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (status.MPI_TAG != tag_chunked) return status.MPI_TAG;
        const ChunkedHeader h = ChunkedHeader::decode(buffer, std::uint64_t{1} << 44);  // 16 TiB: beyond any tile
        buffer.resize(static_cast<std::size_t>(h.bytes));
        for (const Chunk& c : plan_chunks(buffer.size(), static_cast<std::size_t>(h.chunk)))
        {
            MPI_Recv(buffer.data() + c.offset, checked_count(c.size), MPI_BYTE, status.MPI_SOURCE, tag_chunk,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        return h.tag;
    }
    void drop(const MPI_Status& status)
    {
        std::vector<char> ignored;
        receive_into(ignored, status);
    }
    void poll_from_collector(MPI_Status& status)
    {
        for (;;)
        {
            int ready = 0;
            MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &ready, &status);
            if (ready) return;
            usleep(200);
        }
    }
    void receive_end()
    {
        std::int32_t code = 0;
        MPI_Recv(&code, 1, MPI_INT32_T, 0, tag_end, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        ended_ = true;
    }
    void check_end()
    {
        int ready = 0;
        MPI_Iprobe(0, tag_end, MPI_COMM_WORLD, &ready, MPI_STATUS_IGNORE);
        if (!ready) return;
        receive_end();
        throw EndedByCollector();
    }

    int rank_, size_;
    std::vector<int> owner_;
    std::int64_t expected_ = 0, received_ = 0;
    int byes_ = 0;
    bool ended_ = false;
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
    [[noreturn]] void fail(const std::string& message, bool error, int code) override
    {
        if (rank_ == 0)
        {
            std::fprintf(stderr, "zdscan: %s%s\n", error ? "error: " : "", message.c_str());
            end(code);
            std::exit(code);
        }
        // Rank 0 reports it (its temporary file is already removed) and ends the job with the code.
        const RankFailed failure(message, code, !error);
        if (exchange_) exchange_->end_worker(&failure);
        MPI_Finalize();
        std::exit(0);  // the job's status is rank 0's
    }
    void finish() override { end(0); }

  private:
    void end(int code)
    {
        if (exchange_)
        {
            if (rank_ != 0)
            {
                exchange_->end_worker(nullptr);
            }
            else if (!exchange_->end_collector(code))
            {
                std::fprintf(stderr, "zdscan: error: a rank did not end within %.0f s of the end of the job; "
                                     "aborting it\n", end_wait_s);
                std::fflush(stderr);
                MPI_Abort(MPI_COMM_WORLD, code != 0 ? code : 1);
            }
        }
        std::fflush(stderr);
        MPI_Finalize();
    }

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
