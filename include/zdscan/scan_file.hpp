/// \file scan_file.hpp
/// The HDF5 result file (layout: docs/output.md). Written to "<path>.tmp.<pid>" beside the target and renamed
/// onto it only when complete, so an interrupted run never replaces a good file with a truncated one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scan_driver.hpp"

namespace zdscan
{
class ScanFileWriter
{
  public:
    /// Creates the temporary file; with full_grid also the chunked, compressed /chi2/total dataset.
    ScanFileWriter(const std::string& path, const ScanConfig& config, bool full_grid);
    ~ScanFileWriter();  ///< removes the temporary file unless commit() succeeded
    ScanFileWriter(const ScanFileWriter&) = delete;
    ScanFileWriter& operator=(const ScanFileWriter&) = delete;

    /// χ²_total for masses [m_begin, m_end) × all ε × all δ into /chi2/total.
    void write_full_slab(int m_begin, int m_end, const std::vector<double>& chi2);
    /// Writes everything else, closes the file and renames it onto the target path.
    void commit(const ScanOutput& out);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A fit point as stored in /bestfit.
struct StoredFitPoint
{
    double chi2 = 0, m_zd_mev = 0, epsilon = 0, delta = 0;
    Chi2Terms terms;  ///< each term (total unused)
};

/// What `zdscan summary` needs from a result file.
struct ScanFileContents
{
    std::string name, backend, version;
    std::vector<double> m_zd_mev, epsilon, delta;
    bool m_log = false, eps_log = false, delta_log = false;
    std::vector<double> profile_m, profile_eps, profile_delta;
    StoredFitPoint best;     ///< the best grid point
    StoredFitPoint refined;  ///< the minimum between grid points
    bool refined_converged = false;
};

/// Reads a result file; throws std::runtime_error naming the file and the missing object.
ScanFileContents read_scan_file(const std::string& path);

/// Human-readable best fit and 1σ (Δχ² = 1) intervals per parameter.
std::string format_summary(const ScanFileContents& f);
}  // namespace zdscan
