/// \file device_buffer.cuh
/// Device memory for the CUDA backends (scan_cuda.cu, toys_cuda.cu), in place of Thrust's device_vector (issue 30):
/// - its destructor never throws. device_vector frees in a noexcept destructor through a cudaFree that throws after
///   a sticky error, so any device fault ended in std::terminate: the original message lost, gtest without its XML,
///   an MPI rank aborted;
/// - it grows, never shrinks, keeps no contents across a growth, and is never value-initialised (device_vector
///   zero-filled and then synchronised the legacy default stream, which serialised the two tiles in flight);
/// - growth on a stream is stream-ordered (cudaMallocAsync / cudaFreeAsync on the slot's own stream), so it never
///   waits for the other slot's tile.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "cuda_runtime.cuh"

namespace zdscan::cuda
{
template <class T>
class DeviceBuffer
{
  public:
    DeviceBuffer() = default;
    ~DeviceBuffer() { release(); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    /// n elements, uninitialised, allocated at once (set-up buffers).
    void resize(std::size_t n) { grow(n, false, nullptr); }
    /// n elements, uninitialised, allocated in the stream's order (a slot's buffers).
    void resize(std::size_t n, cudaStream_t stream) { grow(n, true, stream); }
    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }

    /// Synchronous copies for set-up and read-back (not on a tile's path).
    void assign(const T* from, std::size_t n)
    {
        resize(n);
        if (n) check(cudaMemcpy(data_, from, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to the device");
    }
    void copy_to(std::vector<T>& to) const
    {
        to.resize(size_);
        if (size_) check(cudaMemcpy(to.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy to the host");
    }

  private:
    void grow(std::size_t n, bool ordered, cudaStream_t stream)
    {
        if (n > capacity_)
        {
            if (data_)
            {
                check(ordered_ ? cudaFreeAsync(data_, stream_) : cudaFree(data_), "freeing device memory");
                data_ = nullptr;
                capacity_ = 0;
            }
            void* p = nullptr;
            check(ordered ? cudaMallocAsync(&p, n * sizeof(T), stream) : cudaMalloc(&p, n * sizeof(T)),
                  "allocating device memory (lower --max-tile-mb)");
            data_ = static_cast<T*>(p);
            capacity_ = n;
            ordered_ = ordered;
            stream_ = stream;
        }
        size_ = n;
    }
    /// Never throws: after a fault the context's sticky error makes every free fail, and that must not end the
    /// process; the memory goes with the context.
    void release() noexcept
    {
        if (!data_) return;
        if (ordered_) cudaFreeAsync(data_, stream_);
        else cudaFree(data_);
        data_ = nullptr;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
    bool ordered_ = false;
    cudaStream_t stream_ = nullptr;
};
}  // namespace zdscan::cuda
