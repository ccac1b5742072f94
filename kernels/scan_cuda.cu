/// \file scan_cuda.cu
/// The CUDA backend: the same ZD_HD physics as the CPU backend. One kernel computes the per-mass terms
/// (on-device loop-function quadrature); one thread per (m, ε) cell walks the δ axis. Built with
/// --fmad=false so that the device rounds exactly like the host (CPU/GPU agreement test: tests/).
#include <cuda_runtime.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>

#include <stdexcept>
#include <string>

#include "zdscan/scan/profile_cell.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
namespace
{
void check_cuda(cudaError_t status, const char* what)
{
    if (status != cudaSuccess)
    {
        throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(status));
    }
}

constexpr int block_size = 256;

__global__ void mass_terms_kernel(ObservableConstants obs, int n, const double* m_zd_gev, const double* k_apv,
                                  MassTerms* out)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
    {
        out[i] = make_mass_terms(obs, m_zd_gev[i], k_apv + static_cast<long long>(i) * max_measurements);
    }
}

/// χ² ≥ 0, and non-negative doubles order like their bit patterns: an integer atomicMin is an exact min.
__device__ void atomic_min_non_negative(double* address, double value)
{
    if (value >= 0)  // false for NaN
    {
        atomicMin(reinterpret_cast<unsigned long long*>(address),
                  static_cast<unsigned long long>(__double_as_longlong(value)));
    }
}

__device__ double warp_min(double v)
{
    for (int offset = 16; offset > 0; offset /= 2)
    {
        v = fmin(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

__global__ void profile_tile_kernel(ObservableConstants obs, const MassTerms* mass, const double* epsilon,
                                    const double* delta, int n_delta, Tile tile, long long n_cells, double* chi2_min,
                                    int* argmin, double* delta_profile, unsigned long long* first_nonfinite,
                                    double* full)
{
    const long long cell = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    // Lanes past the end evaluate the last cell but contribute nothing: the warp-wide min needs every lane.
    const bool active = cell < n_cells;
    const long long c = active ? cell : n_cells - 1;
    const int i_m = tile.i_m(c);
    const int i_eps = tile.i_eps(c);
    double* row = (full && active) ? full + c * n_delta : nullptr;
    const bool lane0 = (threadIdx.x & 31) == 0;
    const CellProfile p = profile_over_delta(obs, mass[i_m], epsilon[i_eps], delta, n_delta,
                                             [&](int k, double chi2)
                                             {
                                                 const double m = warp_min(active ? chi2 : HUGE_VAL);
                                                 if (lane0)
                                                 {
                                                     atomic_min_non_negative(delta_profile + k, m);
                                                 }
                                                 if (row)
                                                 {
                                                     row[k] = chi2;
                                                 }
                                             });
    if (active)
    {
        chi2_min[c] = p.chi2_min;
        argmin[c] = p.argmin;
        if (p.first_nonfinite >= 0)
        {
            atomicMin(first_nonfinite, static_cast<unsigned long long>(c * n_delta + p.first_nonfinite));
        }
    }
}

class CudaScanEngine final : public ScanEngine
{
  public:
    explicit CudaScanEngine(const ScanProblem& problem)
        : problem_(problem), epsilon_(problem.epsilon), delta_(problem.delta), mass_(problem.m_zd_gev.size())
    {
        const thrust::device_vector<double> m(problem.m_zd_gev), k(problem.k_apv);
        const int n = static_cast<int>(m.size());
        mass_terms_kernel<<<(n + block_size - 1) / block_size, block_size>>>(
            problem.observables, n, thrust::raw_pointer_cast(m.data()), thrust::raw_pointer_cast(k.data()),
            thrust::raw_pointer_cast(mass_.data()));
        check_cuda(cudaGetLastError(), "mass_terms_kernel launch");
        check_cuda(cudaDeviceSynchronize(), "mass_terms_kernel");
    }

    std::string name() const override { return "cuda"; }
    std::string device() const override
    {
        int id = 0;
        cudaDeviceProp props{};
        if (cudaGetDevice(&id) != cudaSuccess || cudaGetDeviceProperties(&props, id) != cudaSuccess) return "CUDA device";
        return std::string(props.name) + " (device " + std::to_string(id) + ")";
    }
    /// 1G points: a whole 512³ grid per launch, so that even small δ axes give enough (m, ε) threads.
    std::int64_t preferred_tile_points() const override { return 1LL << 30; }

    std::vector<MassTerms> mass_terms() const override
    {
        std::vector<MassTerms> host(mass_.size());
        thrust::copy(mass_.begin(), mass_.end(), host.begin());
        return host;
    }

    void evaluate_tile(const Tile& tile, bool want_full, TileResult& out) override
    {
        const int n_delta = static_cast<int>(delta_.size());
        const long long n_cells = tile.cells();
        chi2_min_.resize(static_cast<std::size_t>(n_cells));
        argmin_.resize(static_cast<std::size_t>(n_cells));
        delta_profile_.resize(static_cast<std::size_t>(n_delta));
        thrust::fill(delta_profile_.begin(), delta_profile_.end(), HUGE_VAL);
        first_nonfinite_.assign(1, ~0ULL);
        full_.resize(want_full ? static_cast<std::size_t>(n_cells * n_delta) : 0);

        const long long blocks = (n_cells + block_size - 1) / block_size;
        profile_tile_kernel<<<static_cast<unsigned>(blocks), block_size>>>(
            problem_.observables, thrust::raw_pointer_cast(mass_.data()), thrust::raw_pointer_cast(epsilon_.data()),
            thrust::raw_pointer_cast(delta_.data()), n_delta, tile, n_cells, thrust::raw_pointer_cast(chi2_min_.data()),
            thrust::raw_pointer_cast(argmin_.data()), thrust::raw_pointer_cast(delta_profile_.data()),
            thrust::raw_pointer_cast(first_nonfinite_.data()),
            want_full ? thrust::raw_pointer_cast(full_.data()) : nullptr);
        check_cuda(cudaGetLastError(), "profile_tile_kernel launch");
        check_cuda(cudaDeviceSynchronize(), "profile_tile_kernel");

        out.chi2_min.resize(chi2_min_.size());
        out.argmin.resize(argmin_.size());
        out.delta_profile.resize(delta_profile_.size());
        out.full.resize(full_.size());
        thrust::copy(chi2_min_.begin(), chi2_min_.end(), out.chi2_min.begin());
        thrust::copy(argmin_.begin(), argmin_.end(), out.argmin.begin());
        thrust::copy(delta_profile_.begin(), delta_profile_.end(), out.delta_profile.begin());
        thrust::copy(full_.begin(), full_.end(), out.full.begin());
        const unsigned long long nonfinite = first_nonfinite_[0];
        out.first_nonfinite = nonfinite == ~0ULL ? -1 : static_cast<std::int64_t>(nonfinite);
    }

  private:
    ScanProblem problem_;
    thrust::device_vector<double> epsilon_, delta_;
    thrust::device_vector<MassTerms> mass_;
    thrust::device_vector<double> chi2_min_, delta_profile_, full_;
    thrust::device_vector<int> argmin_;
    thrust::device_vector<unsigned long long> first_nonfinite_;
};
}  // namespace

int cuda_device_count()
{
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

std::unique_ptr<ScanEngine> make_cuda_engine(const ScanProblem& problem)
{
    if (cuda_device_count() == 0)
    {
        throw std::runtime_error("--backend cuda: no CUDA device is available (use --backend cpu or auto)");
    }
    return std::make_unique<CudaScanEngine>(problem);
}
}  // namespace zdscan
