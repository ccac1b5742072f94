/// \file scan_cuda.cu
/// The CUDA backend: the same ZD_HD physics as the CPU backend. One kernel computes the per-mass terms
/// (on-device loop-function quadrature); the δ walk puts the δ points of a cell across the lanes of a warp
/// (walk_kernel), then one thread per cell finishes it (minimum over chunks, exact δ minimum) and one thread per δ
/// point reduces the δ profile. Built with --fmad=false: the only fused operations are the explicit fused() of the
/// shared δ loop, as on the CPU, so the two round alike (CPU/GPU agreement test: tests/).
#include <cuda_runtime.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>

#include <stdexcept>
#include <string>

#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/cell_minimum.hpp"
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

template <class T>
T* raw(thrust::device_vector<T>& v)
{
    return thrust::raw_pointer_cast(v.data());
}

__global__ void mass_terms_kernel(ObservableConstants obs, int n, const double* m_zd_gev, const double* k_apv,
                                  MassTerms* out, MassPulls* pulls)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
    {
        out[i] = make_mass_terms(obs, m_zd_gev[i], k_apv + static_cast<long long>(i) * max_measurements);
        pulls[i] = mass_pulls(obs, out[i]);
    }
}

/// Launch shape of the δ walk: a block of `warps` warps takes `cells_per_block` (m, ε) cells and one chunk of
/// 32·J consecutive δ points; each warp walks its cells one after the other, lane l taking δ points l, l + 32, …
/// of the chunk (coalesced loads and full-grid stores). A 256³ scan is 1024 blocks × 8 warps: every SM of an H100
/// busy, where one thread per cell gave 256 blocks of mostly idle lanes.
constexpr int warps = 8;
constexpr int cells_per_warp = 8;
constexpr int cells_per_block = warps * cells_per_warp;
constexpr int no_index = 0x7fffffff;

/// Walks one δ chunk of the block's cells. Writes each (cell, chunk) minimum with its first index, the block's δ
/// profile over its cells, the full grid if asked, and the first non-finite point (atomicMin of its flat index).
template <int J>
__global__ void __launch_bounds__(warps * 32)
    walk_kernel(const MassPulls* mass, const double* epsilon, const double* delta,
                int n_delta, Tile tile, long long n_cells, double* part_min, int* part_arg, double* profile_part,
                unsigned long long* first_nonfinite, double* full)
{
    __shared__ PullPolynomial s_pulls[warps][max_measurements];
    __shared__ double s_profile[warps][32 * J];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int chunk = blockIdx.y, n_chunks = gridDim.y;
    const int k0 = chunk * 32 * J;
    double profile[J];
    for (int j = 0; j < J; ++j) profile[j] = HUGE_VAL;

    for (int w = 0; w < cells_per_warp; ++w)
    {
        const long long cell = static_cast<long long>(blockIdx.x) * cells_per_block + warp * cells_per_warp + w;
        if (cell >= n_cells) break;  // the same for the whole warp
        // Lane s computes the cell's pull in slot s (the enabled measurements, in list order: CellPulls' order).
        const MassPulls& mp = mass[tile.i_m(cell)];
        const int n_enabled = mp.n_enabled;
        if (lane < n_enabled) s_pulls[warp][lane] = pull_polynomial(mp.f[lane], epsilon[tile.i_eps(cell)]);
        __syncwarp();
        double best = HUGE_VAL;
        int arg = no_index, bad = no_index;
        for (int j = 0; j < J; ++j)
        {
            const int k = k0 + lane + 32 * j;
            if (k >= n_delta) break;
            const double x = delta[k];
            double acc = 0;  // chi2_total(const CellPulls&, double), operation for operation
            for (int s = 0; s < n_enabled; ++s)
            {
                const double p = evaluate(s_pulls[warp][s], x);
                acc = fused(p, p, acc);
            }
            if (full) full[cell * n_delta + k] = acc;
            if (acc < best)
            {
                best = acc;
                arg = k;
            }
            if (!(acc < HUGE_VAL) && bad == no_index) bad = k;
            profile[j] = acc < profile[j] ? acc : profile[j];
        }
        __syncwarp();  // every lane has read s_pulls before the next cell overwrites it
        // Warp minimum; equal values go to the lower δ index, as in the CPU's sequential loop.
        for (int offset = 16; offset > 0; offset /= 2)
        {
            const double other = __shfl_xor_sync(0xffffffffu, best, offset);
            const int other_arg = __shfl_xor_sync(0xffffffffu, arg, offset);
            const int other_bad = __shfl_xor_sync(0xffffffffu, bad, offset);
            if (other < best || (other == best && other_arg < arg))
            {
                best = other;
                arg = other_arg;
            }
            bad = other_bad < bad ? other_bad : bad;
        }
        if (lane == 0)
        {
            part_min[cell * n_chunks + chunk] = best;
            part_arg[cell * n_chunks + chunk] = arg;
            if (bad != no_index)
            {
                atomicMin(first_nonfinite, static_cast<unsigned long long>(cell * n_delta + bad));
            }
        }
    }
    // The block's δ profile: min over its warps, one plain store per δ point (the reduction over blocks follows).
    for (int j = 0; j < J; ++j) s_profile[warp][lane + 32 * j] = profile[j];
    __syncthreads();
    for (int t = threadIdx.x; t < 32 * J; t += blockDim.x)
    {
        double m = HUGE_VAL;
        for (int v = 0; v < warps; ++v) m = s_profile[v][t] < m ? s_profile[v][t] : m;
        if (k0 + t < n_delta) profile_part[static_cast<long long>(blockIdx.x) * n_delta + k0 + t] = m;
    }
}

/// One thread per cell: the minimum over the δ chunks (the lowest chunk wins ties), the overflow check of disabled
/// terms and, for the exact profile, the minimum between grid points.
__global__ void finish_cells_kernel(const MassPulls* mass, const double* epsilon,
                                    const double* delta, int n_delta, DeltaRange range, bool exact, Tile tile,
                                    long long n_cells, int n_chunks, const double* part_min, const int* part_arg,
                                    double* chi2_min, int* argmin, double* delta_at_min,
                                    unsigned long long* first_nonfinite)
{
    const long long cell = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (cell >= n_cells) return;
    double best = HUGE_VAL;
    int arg = 0;
    for (int c = 0; c < n_chunks; ++c)
    {
        if (part_min[cell * n_chunks + c] < best)
        {
            best = part_min[cell * n_chunks + c];
            arg = part_arg[cell * n_chunks + c];
        }
    }
    chi2_min[cell] = best;
    argmin[cell] = arg;
    const CellPulls pulls = cell_pulls(mass[tile.i_m(cell)], epsilon[tile.i_eps(cell)]);
    if (disabled_terms_may_overflow(pulls, range.abs_max))
    {
        const int k = first_nonfinite_disabled(pulls, delta, n_delta);
        if (k >= 0) atomicMin(first_nonfinite, static_cast<unsigned long long>(cell * n_delta + k));
    }
    if (exact)
    {
        const DeltaMinimum e = exact_cell_minimum(pulls, range, delta, best, arg);
        chi2_min[cell] = e.chi2;
        delta_at_min[cell] = e.delta;
    }
}

/// One thread per δ point: the minimum of the blocks' profiles.
__global__ void reduce_profile_kernel(const double* profile_part, int n_blocks, int n_delta, double* profile)
{
    const int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= n_delta) return;
    double m = HUGE_VAL;
    for (int b = 0; b < n_blocks; ++b)
    {
        const double v = profile_part[static_cast<long long>(b) * n_delta + k];
        m = v < m ? v : m;
    }
    profile[k] = m;
}

class CudaScanEngine final : public ScanEngine
{
  public:
    explicit CudaScanEngine(const ScanProblem& problem)
        : problem_(problem),
          range_(delta_range(problem.delta.data(), static_cast<int>(problem.delta.size()))),
          epsilon_(problem.epsilon),
          delta_(problem.delta),
          mass_(problem.m_zd_gev.size()),
          mass_pulls_(problem.m_zd_gev.size())
    {
        const thrust::device_vector<double> m(problem.m_zd_gev), k(problem.k_apv);
        const int n = static_cast<int>(m.size());
        mass_terms_kernel<<<(n + block_size - 1) / block_size, block_size>>>(
            problem.observables, n, thrust::raw_pointer_cast(m.data()), thrust::raw_pointer_cast(k.data()),
            thrust::raw_pointer_cast(mass_.data()), thrust::raw_pointer_cast(mass_pulls_.data()));
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
        const bool exact = problem_.delta_profile == DeltaProfile::exact;
        const int j = n_delta <= 128 ? 4 : (n_delta <= 256 ? 8 : 16);  // δ points per lane and chunk
        const int n_chunks = (n_delta + 32 * j - 1) / (32 * j);
        const long long n_blocks = (n_cells + cells_per_block - 1) / cells_per_block;
        part_min_.resize(static_cast<std::size_t>(n_cells * n_chunks));
        part_arg_.resize(static_cast<std::size_t>(n_cells * n_chunks));
        profile_part_.resize(static_cast<std::size_t>(n_blocks * n_delta));
        chi2_min_.resize(static_cast<std::size_t>(n_cells));
        argmin_.resize(static_cast<std::size_t>(n_cells));
        delta_at_min_.resize(exact ? static_cast<std::size_t>(n_cells) : 0);
        delta_profile_.resize(static_cast<std::size_t>(n_delta));
        first_nonfinite_.assign(1, ~0ULL);
        full_.resize(want_full ? static_cast<std::size_t>(n_cells * n_delta) : 0);

        const dim3 grid(static_cast<unsigned>(n_blocks), static_cast<unsigned>(n_chunks));
        auto walk = [&](auto kernel)
        {
            kernel<<<grid, warps * 32>>>(raw(mass_pulls_), raw(epsilon_), raw(delta_), n_delta, tile,
                                         n_cells, raw(part_min_), raw(part_arg_), raw(profile_part_),
                                         raw(first_nonfinite_), want_full ? raw(full_) : nullptr);
        };
        if (j == 4) walk(walk_kernel<4>);
        else if (j == 8) walk(walk_kernel<8>);
        else walk(walk_kernel<16>);
        check_cuda(cudaGetLastError(), "walk_kernel launch");
        finish_cells_kernel<<<static_cast<unsigned>((n_cells + 255) / 256), 256>>>(
            raw(mass_pulls_), raw(epsilon_), raw(delta_), n_delta, range_, exact, tile, n_cells,
            n_chunks, raw(part_min_), raw(part_arg_), raw(chi2_min_), raw(argmin_), exact ? raw(delta_at_min_) : nullptr,
            raw(first_nonfinite_));
        check_cuda(cudaGetLastError(), "finish_cells_kernel launch");
        reduce_profile_kernel<<<static_cast<unsigned>((n_delta + 255) / 256), 256>>>(
            raw(profile_part_), static_cast<int>(n_blocks), n_delta, raw(delta_profile_));
        check_cuda(cudaGetLastError(), "reduce_profile_kernel launch");
        check_cuda(cudaDeviceSynchronize(), "the tile's kernels");

        out.chi2_min.resize(chi2_min_.size());
        out.argmin.resize(argmin_.size());
        out.delta_at_min.resize(delta_at_min_.size());
        out.delta_profile.resize(delta_profile_.size());
        out.full.resize(full_.size());
        thrust::copy(chi2_min_.begin(), chi2_min_.end(), out.chi2_min.begin());
        thrust::copy(argmin_.begin(), argmin_.end(), out.argmin.begin());
        thrust::copy(delta_at_min_.begin(), delta_at_min_.end(), out.delta_at_min.begin());
        thrust::copy(delta_profile_.begin(), delta_profile_.end(), out.delta_profile.begin());
        thrust::copy(full_.begin(), full_.end(), out.full.begin());
        const unsigned long long nonfinite = first_nonfinite_[0];
        out.first_nonfinite = nonfinite == ~0ULL ? -1 : static_cast<std::int64_t>(nonfinite);
    }

  private:
    ScanProblem problem_;
    DeltaRange range_;
    thrust::device_vector<double> epsilon_, delta_;
    thrust::device_vector<MassTerms> mass_;
    thrust::device_vector<MassPulls> mass_pulls_;  ///< pull factors per mass (pull_polynomial.hpp)
    thrust::device_vector<double> chi2_min_, delta_at_min_, delta_profile_, full_, part_min_, profile_part_;
    thrust::device_vector<int> argmin_, part_arg_;
    thrust::device_vector<unsigned long long> first_nonfinite_;
};
}  // namespace

int cuda_device_count()
{
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

std::string cuda_unavailable_reason()
{
    return cuda_device_count() > 0 ? "" : "--backend cuda: no CUDA device is available (use --backend cpu or auto)";
}

std::unique_ptr<ScanEngine> make_cuda_engine(const ScanProblem& problem, int device)
{
    const int count = cuda_device_count();
    if (count == 0) throw std::runtime_error(cuda_unavailable_reason());
    check_cuda(cudaSetDevice((device % count + count) % count), "cudaSetDevice");
    return std::make_unique<CudaScanEngine>(problem);
}
}  // namespace zdscan
