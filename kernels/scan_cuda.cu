/// \file scan_cuda.cu
/// The CUDA backend: the kernel bodies of scan_kernels.hpp (the same ZD_HD physics as the CPU backend) joined by
/// CUDA's warp shuffles and barriers, and the CUDA runtime as the Device of device_engine.hpp. The CPU emulation of
/// the device (host/scan/emulated_device.hpp) runs the same bodies and host code without a GPU. Built with
/// --fmad=false: the only fused operations are the explicit fused() of the shared δ loop, as on the CPU, so the two
/// round alike (CPU/GPU agreement test: tests/).
#include <cuda_runtime.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_runtime.cuh"
#include "device_buffer.cuh"
#include "device_engine.hpp"
#include "walk_kernel_body.hpp"

namespace zdscan
{
namespace
{
using kernels::ThreadIndex;

using cuda::check;

__device__ ThreadIndex here()
{
    ThreadIndex t;
    t.block_x = static_cast<int>(blockIdx.x);
    t.block_y = static_cast<int>(blockIdx.y);
    t.grid_x = static_cast<int>(gridDim.x);
    t.grid_y = static_cast<int>(gridDim.y);
    t.thread = static_cast<int>(threadIdx.x);
    t.block_dim = static_cast<int>(blockDim.x);
    return t;
}

constexpr int block_size = 256;

/// Small blocks for the per-mass kernel: one thread a mass, a few hundred masses, 5 kB of stack each.
constexpr int mass_block_size = 64;
__global__ void __launch_bounds__(mass_block_size) mass_terms_kernel(kernels::MassTermsArgs a)
{
    kernels::mass_terms_thread(a, here());
}
__global__ void finish_cells_kernel(kernels::FinishArgs a) { kernels::finish_cell_thread(a, here()); }

/// CUDA's side of walk_block_body's policy (walk_kernel_body.hpp). Host-device only so that nvcc accepts the template
/// body's host instantiation, which nothing calls.
struct CudaLanes
{
    ThreadIndex t;
    __host__ __device__ ThreadIndex index() const { return t; }
    __host__ __device__ void sync_warp() const
    {
#if defined(__CUDA_ARCH__)
        __syncwarp();
#endif
    }
    __host__ __device__ void sync_block() const
    {
#if defined(__CUDA_ARCH__)
        __syncthreads();
#endif
    }
    /// __shfl_xor_sync of any trivially copyable value, 32 bits at a time.
    template <class T>
    __host__ __device__ T shfl_xor(unsigned mask, const T& v, int offset) const
    {
        static_assert(sizeof(T) % 4 == 0, "shuffled values are whole 32-bit words");
        unsigned words[sizeof(T) / 4];
        memcpy(words, &v, sizeof(T));
#if defined(__CUDA_ARCH__)
        for (unsigned& w : words) w = __shfl_xor_sync(mask, w, offset);
#endif
        T out;
        memcpy(&out, words, sizeof(T));
        return out;
    }
};

template <int J>
__global__ void __launch_bounds__(kernels::walk_warps * 32) walk_kernel(kernels::WalkArgs a)
{
    __shared__ typename kernels::WalkKernel<J>::Shared shared;
    CudaLanes lanes{here()};
    kernels::walk_block_body<J>(a, lanes, shared);
}

unsigned blocks_for(long long n) { return static_cast<unsigned>((n + block_size - 1) / block_size); }
unsigned blocks_for_mass(long long n) { return static_cast<unsigned>((n + mass_block_size - 1) / mass_block_size); }

/// Page-locked host memory (cudaMallocHost): the result copies run by DMA, asynchronously with the host, instead of
/// through a pageable bounce buffer. It grows, never shrinks, and keeps no contents across a resize.
template <class T>
class PinnedBuffer
{
  public:
    PinnedBuffer() = default;
    ~PinnedBuffer()
    {
        if (data_) cudaFreeHost(data_);
    }
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;

    void resize(std::size_t n)
    {
        if (n > capacity_)
        {
            if (data_) check(cudaFreeHost(data_), "cudaFreeHost");
            data_ = nullptr;
            capacity_ = 0;
            void* p = nullptr;
            check(cudaMallocHost(&p, n * sizeof(T)),
                  "cudaMallocHost (a tile's pinned result buffers: lower --max-tile-mb)");
            data_ = static_cast<T*>(p);
            capacity_ = n;
        }
        size_ = n;
    }
    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }

  private:
    T* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

/// A tile's stream. Non-blocking: nothing of a tile runs on the legacy default stream (DeviceBuffer allocates on the
/// slot's stream), so the two slots' streams never wait for each other.
class CudaStream
{
  public:
    CudaStream() { check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }
    ~CudaStream() { cudaStreamDestroy(stream_); }
    CudaStream(const CudaStream&) = delete;
    CudaStream& operator=(const CudaStream&) = delete;
    cudaStream_t get() const { return stream_; }

  private:
    cudaStream_t stream_ = nullptr;
};

/// A cudaEvent for timing a tile's kernels on the device (cudaEventDefault: timed).
class CudaEvent
{
  public:
    CudaEvent() { check(cudaEventCreate(&event_), "cudaEventCreate"); }
    ~CudaEvent() { cudaEventDestroy(event_); }
    CudaEvent(const CudaEvent&) = delete;
    CudaEvent& operator=(const CudaEvent&) = delete;
    cudaEvent_t get() const { return event_; }

  private:
    cudaEvent_t event_ = nullptr;
};

/// The CUDA runtime as the Device of DeviceScanEngine.
struct CudaDevice
{
    template <class T>
    using buffer = cuda::DeviceBuffer<T>;
    template <class T>
    using pinned = PinnedBuffer<T>;
    using Stream = CudaStream;
    using Event = CudaEvent;

    static void record(Event& e, Stream& s) { check(cudaEventRecord(e.get(), s.get()), "cudaEventRecord"); }
    static double elapsed(const Event& begin, const Event& end)
    {
        float ms = 0;
        check(cudaEventElapsedTime(&ms, begin.get(), end.get()), "cudaEventElapsedTime");
        return 1e-3 * ms;
    }

    template <class T>
    static void resize(buffer<T>& v, std::size_t n, Stream& s)
    {
        v.resize(n, s.get());
    }
    template <class T>
    static T* raw(buffer<T>& v)
    {
        return v.data();
    }
    template <class T>
    static void upload(const std::vector<T>& from, buffer<T>& to)
    {
        to.assign(from.data(), from.size());
    }
    template <class T>
    static void download(const buffer<T>& from, std::vector<T>& to)
    {
        from.copy_to(to);
    }
    template <class T>
    static void copy_to_device(const pinned<T>& from, std::size_t n, buffer<T>& to, Stream& s)
    {
        if (n == 0) return;
        check(cudaMemcpyAsync(raw(to), from.data(), n * sizeof(T), cudaMemcpyHostToDevice, s.get()),
              "cudaMemcpyAsync to the device");
    }
    template <class T>
    static void copy_to_host(const buffer<T>& from, std::size_t n, pinned<T>& to, Stream& s)
    {
        if (n == 0) return;
        check(cudaMemcpyAsync(to.data(), from.data(), n * sizeof(T), cudaMemcpyDeviceToHost, s.get()),
              "cudaMemcpyAsync to the host");
    }

    /// The per-mass terms (once per scan) need about 5 kB of stack a thread, for which the driver reserves stack
    /// for every thread the device can hold (about 1.4 GB on an H100): the limit goes back to what it was once the
    /// kernel is done, which releases that reservation for the tiles' buffers.
    static void launch_mass_terms(const kernels::MassTermsArgs& a)
    {
        std::size_t stack = 0;
        check(cudaDeviceGetLimit(&stack, cudaLimitStackSize), "cudaDeviceGetLimit");
        mass_terms_kernel<<<blocks_for_mass(a.n), mass_block_size>>>(a);
        check(cudaGetLastError(), "mass_terms_kernel launch");
        check(cudaDeviceSynchronize(), "mass_terms_kernel");
        check(cudaDeviceSetLimit(cudaLimitStackSize, stack), "cudaDeviceSetLimit (the stack after the mass terms)");
    }
    template <int J>
    static void launch_walk(const kernels::WalkArgs& a, const kernels::WalkShape& shape, Stream& s)
    {
        const dim3 grid(static_cast<unsigned>(shape.n_blocks), static_cast<unsigned>(shape.n_chunks));
        walk_kernel<J><<<grid, kernels::walk_warps * 32, 0, s.get()>>>(a);
        check(cudaGetLastError(), "walk_kernel launch");
    }
    static void launch_finish(const kernels::FinishArgs& a, Stream& s)
    {
        finish_cells_kernel<<<blocks_for(a.n_cells), block_size, 0, s.get()>>>(a);
        check(cudaGetLastError(), "finish_cells_kernel launch");
    }
    static void wait(Stream& s, const char* what) { check(cudaStreamSynchronize(s.get()), what); }
    static void drain(Stream& s) noexcept { cudaStreamSynchronize(s.get()); }  // errors: the scan failed already

    static std::string name() { return "cuda"; }
    static std::string device() { return cuda::device_name(); }
    /// 1G points: a whole 512³ grid per launch, so that even small δ axes give enough (m, ε) threads.
    static std::int64_t preferred_tile_points() { return 1LL << 30; }
};
}  // namespace

int cuda_device_count()
{
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

std::string cuda_status()
{
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess)
        return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
    return count > 0 ? "" : "the CUDA runtime reports no device";
}

std::string cuda_unavailable_reason()
{
    return cuda_device_count() > 0 ? "" : "--backend cuda: no CUDA device is available (use --backend cpu or auto)";
}

std::unique_ptr<ScanEngine> make_cuda_engine(const ScanProblem& problem, int device)
{
    cuda::select_device(device);
    return std::make_unique<kernels::DeviceScanEngine<CudaDevice>>(problem);
}
}  // namespace zdscan
