/// \file scan_file.hpp
/// The HDF5 result file (layout: docs/output.md). Written to a temporary file beside the target
/// (temporary_path_for, output_target.hpp) and renamed onto it only when complete, so an interrupted or failed run
/// never replaces a good file with a truncated one, and removes its temporary file on every error path.
#pragma once

#include <cmath>
#include <functional>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/scan/meson_report.hpp"

namespace zdscan
{
// The scan layer's results, written here (hdf5_writer.cc includes their definitions): io/ reads and writes files
// and does not depend on the scan engine's headers.
struct ScanOutput;
struct Tile;

class ScanFileWriter
{
  public:
    /// Creates the temporary file; with full_grid also the chunked, compressed /chi2/total dataset.
    ScanFileWriter(const std::string& path, const ScanConfig& config, bool full_grid);
    ~ScanFileWriter();  ///< removes the temporary file unless commit() succeeded
    ScanFileWriter(const ScanFileWriter&) = delete;
    ScanFileWriter& operator=(const ScanFileWriter&) = delete;

    const std::string& temporary_path() const;
    /// The command that made the file, for its provenance (default: empty, e.g. a library call).
    void set_command_line(const std::string& command_line);
    /// What /profile holds beside chi2_total (--store): the δ at the minimum and its grid index, and each
    /// measurement's χ² map, in float64 or float32. Default: all, in float64 (52 bytes a cell with 4 measurements).
    struct Store
    {
        bool argmin = true;
        bool terms = true;
        bool terms_float32 = false;
    };
    void set_store(const Store& store);
    /// The --store text: "all" (or empty), "total", or a comma list of argmin, terms, terms32; throws ConfigError
    /// naming option.
    static Store parse_store(const std::string& text, const std::string& option);
    /// Deflate level of /chi2/total with --full-grid: 0 stores it raw (default: 20x faster than level 1, which
    /// saves only 25 % of a χ² grid's bytes), 1-9 byte-shuffle and deflate.
    void set_full_grid_deflate(int level);
    /// The one check of a deflate level from the user: 0-9, and above 0 only with the full grid; throws ConfigError
    /// naming option (and full_grid_option, how the full grid is asked for there).
    static void check_deflate(int level, bool full_grid, const std::string& option, const std::string& full_grid_option);
    /// A resumed run: the wall time of the earlier runs (summed into wall_time_s) and the tiles they provided.
    void set_resumed(double prior_wall_time_s, std::int64_t tiles_restored);
    /// χ²_total of one tile (its cells × all δ) into /chi2/total.
    void write_full_slab(const Tile& tile, const std::vector<double>& chi2);
    /// Writes everything else and closes the file; then calls before_rename (which may throw to abandon the
    /// result, e.g. on a stop request) and renames the file onto the target path.
    void commit(const ScanOutput& out, const std::function<void()>& before_rename = {});

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A fit point as stored in /bestfit.
struct StoredFitPoint
{
    double chi2 = 0, m_zd_mev = 0, epsilon = 0, delta = 0;
    std::vector<double> terms;  ///< each measurement's term, in the order of ScanFileContents::measurements
};

/// What `zdscan summary` needs from a result file.
struct ScanFileContents
{
    std::string name, backend, version;
    std::vector<std::string> measurements;  ///< names, in the order of the χ² sum
    std::vector<bool> enabled;
    std::vector<bool> projection;  ///< /measurements/projection (all false in files from before it)
    /// /measurements/dof: whether each measures a quantity (not a limit); empty in files from before it, where the
    /// search_limit measurements (/searches) are the limits.
    std::vector<bool> counts_dof;
    /// Pairs of enabled measurements with correlated uncertainties (/correlation/rho off the diagonal): names, ρ.
    struct Correlated
    {
        std::string a, b;
        double rho = 0;
    };
    std::vector<Correlated> correlated;
    /// With --posterior (/posterior attributes): the priors and each parameter's central 68 % credible interval
    /// and mode.
    struct Credible
    {
        bool present = false;
        std::string priors;
        double interval[3][2] = {};  ///< m_Zd, ε, δ
        double mode[3] = {};
        /// Box sensitivity (files since 2026-12; else NaN and false): the marginal's mass in the edge cells, the
        /// largest move of an interval end when either end of the axis moves in by a tenth of the range, and
        /// whether that exceeds the grid's spacing.
        double edge_mass[3][2] = {{NAN, NAN}, {NAN, NAN}, {NAN, NAN}};
        double box_shift[3] = {NAN, NAN, NAN}, box_resolution[3] = {NAN, NAN, NAN};
        bool box_sensitive[3] = {false, false, false};
    } credible;
    /// From `zdscan coverage` (/coverage attributes): per CL the Feldman–Cousins and Wilks regions' sizes and, on the
    /// Wilks contour, the toys' median critical Δχ² and the Wilks region's median coverage.
    struct Toys
    {
        bool present = false;
        double toys = 0, tested_cells = 0;
        struct Level
        {
            double cl = 0, wilks = 0, fc_cells = 0, wilks_cells = 0, contour_cells = 0;
            double crit_median = NAN, coverage_median = NAN, coverage_min = NAN, coverage_max = NAN;
            /// The 1-D intervals of m_Zd [0] and ε [1]: Feldman–Cousins and Wilks, {lower, upper}; NaN: open at the
            /// axis's end (or absent: files without /coverage/interval_*)
            double fc_interval[2][2] = {{NAN, NAN}, {NAN, NAN}}, wilks_interval[2][2] = {{NAN, NAN}, {NAN, NAN}};
            bool has_intervals = false;
        };
        std::vector<Level> levels;
        std::vector<std::string> warnings;
    } toys;
    std::vector<double> m_zd_mev, epsilon, delta;
    bool m_log = false, eps_log = false, delta_log = false;
    std::vector<double> profile_m, profile_eps, profile_delta;
    StoredFitPoint best;     ///< the best grid point
    StoredFitPoint refined;  ///< the minimum between grid points
    bool refined_converged = false;
    /// The SM (ε = δ = 0): χ² and its terms, and the pulls (X^exp − X^th)/σ there and at the refined best fit.
    /// Absent (has_sm false) in files of zdscan before 0.2.
    bool has_sm = false;
    double sm_chi2 = 0;
    std::vector<double> sm_terms, pull_sm, pull_refined;
    /// The Δχ² = 1 interval ends of m_Zd and ε refined between grid points: {lower, upper} each, NaN when open or
    /// absent (files from before them).
    double refined_interval[2][2] = {{NAN, NAN}, {NAN, NAN}};
    /// The total χ² profiled over δ (/profile/chi2_total) along the four edges of the (m_Zd, ε) box: where 2-D
    /// regions reach them. [0] m_Zd = min and [1] m_Zd = max (over ε); [2] ε = min and [3] ε = max (over m_Zd).
    std::vector<double> edge_chi2[4];
    /// With enabled search_limit measurements (/searches attributes): the fit without them and what they exclude of it.
    struct Searches
    {
        bool present = false;
        double chi2_min = 0, m_zd_mev = 0, epsilon = 0, delta = 0;
        double interval_m[2] = {NAN, NAN}, interval_eps[2] = {NAN, NAN};  ///< NaN: open at the grid edge
        double region_cells = 0, region_excluded = 0;
        double coupling_ratio_at_best = 0;  ///< (m/m_Z)|δ′/ε| at the best fit (> 0.070: the limits do not apply)
        double coupling_ratio_max_1sigma = NAN;  ///< the largest over the 2-D 1σ region (NaN: a file before 2026-12)
        std::string veto_gap_at_best;  ///< searches (comma-separated) whose file has no limit at the best fit's mass
        std::vector<std::string> names;
        std::vector<std::string> applies;  ///< where each search's term applies, in words
        std::vector<double> ratio_at_best, excluded_cells;
    } searches;
    MesonReport mesons;  ///< /meson_decays (absent in files without meson_decay measurements)
};

/// A file given as a zdscan result that is not one (bad input: exit code 2); the message names the file and the
/// object (dataset or attribute) at fault.
class InvalidResultFile : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// Reads a result file; throws InvalidResultFile naming the file and what is missing or inconsistent: every
/// dataset and attribute is checked for shape and type before it is read, and reads are bounded by the axis
/// lengths (at most 10⁶ points each, as in a config), whatever the file declares.
ScanFileContents read_scan_file(const std::string& path);

/// Where a search_limit measurement's term applies, in words (its masses, the valid_below_gev cut, CL, region, decays).
std::string search_applies(const MeasurementInput& m);

}  // namespace zdscan
