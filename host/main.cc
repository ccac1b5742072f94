/// \file main.cc
/// The zdscan command line: `scan`, `summary`, `config`, `--version`.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "zdscan/build_config.hpp"
#include "zdscan/config.hpp"
#include "zdscan/scan_driver.hpp"
#include "zdscan/scan_file.hpp"

namespace
{
using namespace zdscan;

/// Exit codes: 0 success, 1 run-time failure, 2 bad input (config or command line), 130 interrupted.
constexpr int exit_runtime_error = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_interrupted = 130;

/// SIGINT/SIGTERM ask the scan to stop after its current tile, so that the temporary file is removed
/// (a second signal kills at once).
std::atomic<bool> interrupt_requested{false};
extern "C" void request_interrupt(int signal)
{
    interrupt_requested = true;
    std::signal(signal, SIG_DFL);
}

struct ScanArgs
{
    std::string config_path, out_path;
    std::optional<int> n, n_m, n_eps, n_delta;
    std::string backend = "auto";
    int threads = 0;
    int tile_masses = 0;
    bool full_grid = false;
    bool quiet = false;
};

ScanConfig resolve_config(const std::string& path)
{
    return path.empty() ? default_config() : load_config_file(path);
}

int run_scan_command(const ScanArgs& args)
{
    ScanConfig config = resolve_config(args.config_path);
    if (args.n)
    {
        config.m_zd_mev.n = config.epsilon.n = config.delta.n = *args.n;
    }
    if (args.n_m) config.m_zd_mev.n = *args.n_m;
    if (args.n_eps) config.epsilon.n = *args.n_eps;
    if (args.n_delta) config.delta.n = *args.n_delta;
    validate_grid(config);

    ScanOptions options;
    options.backend = parse_backend(args.backend);
    options.threads = args.threads;
    options.full_grid = args.full_grid;
    options.tile_masses = args.tile_masses;
    options.cancel = &interrupt_requested;
    std::signal(SIGINT, request_interrupt);
    std::signal(SIGTERM, request_interrupt);
    const std::string out_path = args.out_path.empty() ? config.name + ".h5" : args.out_path;

    if (config.physics.apv_k.kind == ApvKModel::Kind::dirac && config.m_zd_mev.min < apv_k_dirac_validity_mev)
    {
        std::fprintf(stderr,
                     "[zdscan] warning: grid.m_zd_mev.min = %g MeV: below ~%g MeV the unscreened Dirac K(Cs) is only a "
                     "model value (atomic screening matters; docs/physics.md)\n",
                     config.m_zd_mev.min, apv_k_dirac_validity_mev);
    }
    const std::int64_t points = static_cast<std::int64_t>(config.m_zd_mev.n) * config.epsilon.n * config.delta.n;
    std::fprintf(stderr, "[zdscan] %s: %d x %d x %d = %lld points -> %s\n", config.name.c_str(), config.m_zd_mev.n,
                 config.epsilon.n, config.delta.n, static_cast<long long>(points), out_path.c_str());
    ScanFileWriter writer(out_path, config, options.full_grid);
    auto progress = ProgressReporter::for_stderr(points);
    const ScanOutput out = run_scan(
        config, options, [&](int b, int e, const std::vector<double>& chi2) { writer.write_full_slab(b, e, chi2); },
        args.quiet ? nullptr : &progress);
    writer.commit(out);
    std::fprintf(stderr, "[zdscan] backend %s, %.3g points/s, wrote %s\n", out.backend.c_str(),
                 out.seconds > 0 ? out.points / out.seconds : 0.0, out_path.c_str());
    std::cout << format_summary(read_scan_file(out_path));
    return 0;
}
}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"zdscan: chi2 scans of dark Z_d models against muon/electron g-2, Qweak and Cs APV\n"
                 "(Cadeddu et al., PRD 104, L011701 (2021))"};
    app.set_version_flag("--version", std::string("zdscan ") + ZDSCAN_VERSION
                                          + (ZDSCAN_USE_CUDA ? " (CUDA backend built)" : " (CPU backend only)"));
    app.require_subcommand(1);

    ScanArgs scan;
    auto* scan_cmd = app.add_subcommand("scan", "Scan the (m_Zd, epsilon, delta) grid and write an HDF5 file");
    scan_cmd->add_option("--config", scan.config_path, "JSON config (default: the embedded configs/paper2021.json)")
        ->check(CLI::ExistingFile);
    scan_cmd->add_option("--out", scan.out_path, "output HDF5 file (default: <config name>.h5)");
    auto* n_all =
        scan_cmd->add_option("--n", scan.n, "points on every axis (overrides the config)")->check(CLI::PositiveNumber);
    scan_cmd->add_option("--n-m", scan.n_m, "points on the m_Zd axis")->check(CLI::PositiveNumber)->excludes(n_all);
    scan_cmd->add_option("--n-eps", scan.n_eps, "points on the epsilon axis")
        ->check(CLI::PositiveNumber)
        ->excludes(n_all);
    scan_cmd->add_option("--n-delta", scan.n_delta, "points on the delta axis")
        ->check(CLI::PositiveNumber)
        ->excludes(n_all);
    scan_cmd->add_option("--backend", scan.backend, "cpu, cuda or auto (cuda when a GPU is present)")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    scan_cmd->add_option("--threads", scan.threads, "CPU threads (default: all)")->check(CLI::PositiveNumber);
    scan_cmd->add_option("--tile-masses", scan.tile_masses, "masses per tile (default: from a memory budget)")
        ->check(CLI::PositiveNumber);
    scan_cmd->add_flag("--full-grid", scan.full_grid, "also write chi2 on the full 3-D grid (/chi2/total)");
    scan_cmd->add_flag("--quiet", scan.quiet, "no progress output");

    std::string summary_path;
    auto* summary_cmd = app.add_subcommand("summary", "Print best fit and 1-sigma intervals of a result file");
    summary_cmd->add_option("file", summary_path, "zdscan HDF5 result")->required()->check(CLI::ExistingFile);

    std::string config_path;
    auto* config_cmd = app.add_subcommand("config", "Print the resolved configuration as JSON");
    config_cmd->add_option("--config", config_path, "JSON config (default: the embedded one)")
        ->check(CLI::ExistingFile);

    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError& e)
    {
        const int code = app.exit(e);
        return code == 0 ? 0 : exit_bad_input;
    }

    try
    {
        if (*scan_cmd)
        {
            return run_scan_command(scan);
        }
        if (*summary_cmd)
        {
            std::cout << format_summary(read_scan_file(summary_path));
            return 0;
        }
        if (*config_cmd)
        {
            std::cout << to_json(resolve_config(config_path)).dump(2) << "\n";
            return 0;
        }
    }
    catch (const ScanInterrupted&)
    {
        std::fprintf(stderr, "\nzdscan: interrupted; no output file was written or replaced\n");
        return exit_interrupted;
    }
    catch (const ConfigError& e)
    {
        std::fprintf(stderr, "zdscan: error: %s\n", e.what());
        return exit_bad_input;
    }
    catch (const std::invalid_argument& e)
    {
        std::fprintf(stderr, "zdscan: error: %s\n", e.what());
        return exit_bad_input;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "zdscan: error: %s\n", e.what());
        return exit_runtime_error;
    }
    return exit_runtime_error;
}
