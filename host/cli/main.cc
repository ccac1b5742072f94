/// \file main.cc
/// The zdscan command line: `scan`, `summary`, `config`, `--version`.
/// Exit codes (docs/output.md, "Exit codes"): 0 success, 1 run-time failure, 2 bad input (config, command line,
/// output path), 128 + signal when stopped by SIGINT (130), SIGTERM (143) or SIGHUP (129).
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <unistd.h>

#include "coverage_command.hpp"
#include "parse_count.hpp"
#include "zdscan/build_config.hpp"
#include "zdscan/cli/interrupts.hpp"
#include "zdscan/io/apv_report.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/io/input_file.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/registered_output_lock.hpp"
#include "zdscan/analysis/summary.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/mpi/parallel_job.hpp"
#include "zdscan/scan/checkpoint.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/util/number_text.hpp"

namespace
{
using namespace zdscan;

constexpr int exit_runtime_error = 1;
constexpr int exit_bad_input = 2;
/// `zdscan coverage --max-minutes`: stopped at its time budget, the work kept for --resume (EX_TEMPFAIL: try again).
constexpr int exit_time_budget = 75;

/// The raw text of every numeric option: parsed here, so that a message names the option and shows the
/// value as typed (CLI11 would print 2^64 − 1 as −1, or a 309-digit bound).
struct ScanArgs
{
    std::string config_path, out_path;
    bool out_given = false;
    std::string n, n_m, n_eps, n_delta, threads, tile_masses, max_tile_mb, delta_slices;
    std::string backend = "auto";
    std::string delta_profile = "exact";
    bool full_grid = false;
    bool posterior = false;
    std::string delta_prior;
    bool quiet = false;
    bool force = false;
    bool resume = false;
    bool no_checkpoint = false;
    std::string checkpoint_interval;
    std::string deflate;
    std::string store;
    std::string command_line;  ///< argv joined, for the file's provenance
};

/// "0,1e-3,5e-3": numbers, then the rules every caller shares (validate_delta_slices).
std::vector<double> parse_delta_slices(const std::string& text, const ScanConfig& config)
{
    std::vector<double> values;
    for (const std::string& item : split_list(text))
    {
        const auto v = whole_number(item);
        if (!v) throw ConfigError("--delta-slices: each value must be a number in [-1, 1] (got \"" + item + "\")");
        values.push_back(*v);
    }
    validate_delta_slices(values, config, "--delta-slices");
    return values;
}

ScanConfig resolve_config(const std::string& path)
{
    return path.empty() ? default_config() : load_config_file(path);
}

/// --n, --n-m, --n-eps, --n-delta over the config's axes; a grid error then names the option that set the axis.
void apply_grid_overrides(ScanConfig& config, const ScanArgs& args)
{
    struct Override
    {
        const char* option;
        const std::string* text;
        const char* field;
        Axis* axis;
    };
    const Override overrides[] = {{"--n-m", &args.n_m, "grid.m_zd_mev", &config.m_zd_mev},
                                  {"--n-eps", &args.n_eps, "grid.epsilon", &config.epsilon},
                                  {"--n-delta", &args.n_delta, "grid.delta", &config.delta}};
    std::string set_by[3];
    for (int i = 0; i < 3; ++i)
    {
        const Override& o = overrides[i];
        const std::string& text = !args.n.empty() ? args.n : *o.text;
        if (text.empty()) continue;
        set_by[i] = !args.n.empty() ? "--n" : o.option;
        o.axis->n = static_cast<int>(parse_count(set_by[i], text, 1, max_axis_points));
    }
    try
    {
        validate_grid(config);
    }
    catch (const ConfigError& e)
    {
        const std::string what = e.what();
        for (int i = 0; i < 3; ++i)
        {
            if (!set_by[i].empty() && what.rfind(overrides[i].field, 0) == 0)
            {
                throw ConfigError(set_by[i] + ": " + what);
            }
        }
        throw;
    }
}

/// stdout must have reached its destination (a full disk or a closed pipe is a failure, not a success).
int finish_stdout(int code)
{
    std::cout.flush();
    if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout)
    {
        std::fprintf(stderr, "zdscan: error: writing to standard output: %s\n", std::strerror(errno));
        return code == 0 ? exit_runtime_error : code;
    }
    return code;
}

/// `zdscan scan` in one process or as one MPI rank (job): rank 0 checks and writes the output and keeps the
/// checkpoint; every rank evaluates its share of the tiles.
int run_scan_command(const ScanArgs& args, ParallelJob& job)
{
    const bool collector = job.rank() == 0;
    ScanConfig config = resolve_config(args.config_path);
    apply_grid_overrides(config, args);

    ScanOptions options;
    options.backend = parse_backend(args.backend);
    // (The ranks' sharing of a node's cores once hung off --max-tile-mb: giving that option made every rank take all
    // cores, and without it a --threads of the user's was overridden.)
    options.threads = threads_option(args.threads, job);
    if (!args.tile_masses.empty())
    {
        options.tile_masses = static_cast<int>(parse_count("--tile-masses", args.tile_masses, 1, max_axis_points));
    }
    if (!args.max_tile_mb.empty())
    {
        options.max_tile_bytes = parse_count("--max-tile-mb", args.max_tile_mb, 1, 1 << 20) << 20;
    }
    options.full_grid = args.full_grid;
    options.delta_profile = parse_delta_profile(args.delta_profile);
    options.cancel = &interrupt_requested();
    options.exchange = job.exchange();
    options.rank = job.rank();
    options.ranks = job.size();
    options.cuda_device = job.local_rank();
    double checkpoint_interval_s = 60;
    if (!args.checkpoint_interval.empty())
    {
        checkpoint_interval_s =
            static_cast<double>(parse_count("--checkpoint-interval", args.checkpoint_interval, 0, 86400));
    }
    const ScanFileWriter::Store store = ScanFileWriter::parse_store(args.store, "--store");
    int deflate = 0;
    if (!args.deflate.empty())
    {
        deflate = static_cast<int>(parse_count("--deflate", args.deflate, 0, 9));
        // Given at all, even 0, it asks for the full grid's compression: refused without --full-grid.
        if (!args.full_grid) throw ConfigError("--deflate: applies to --full-grid (the 3-D grid) only");
    }
    if (args.resume && args.no_checkpoint)
    {
        throw ConfigError("--resume: cannot be combined with --no-checkpoint");
    }
    if (!args.delta_slices.empty()) options.delta_slices = parse_delta_slices(args.delta_slices, config);
    options.posterior = args.posterior;
    if (!args.delta_prior.empty())
    {
        if (!args.posterior) throw ConfigError("--delta-prior: applies to --posterior only");
        options.delta_prior = parse_delta_prior(args.delta_prior, config.delta.min, config.delta.max, "--delta-prior");
    }

    const std::string out_path = args.out_given ? args.out_path : default_output_path(config.name);
    OutputRules rules;
    rules.force = args.force;
    rules.config_path = args.config_path;
    install_interrupt_handlers();
    if (!collector)
    {
        const ScanOutput out = run_scan(config, options, nullptr, nullptr);  // this rank's tiles, to rank 0
        return out.collected ? exit_runtime_error : 0;
    }
    check_output_target(out_path, rules);  // before any work
    if (options.backend == Backend::cuda)  // before the banner: a scan that cannot start is not announced
    {
        if (const std::string reason = cuda_unavailable_reason(); !reason.empty()) throw std::runtime_error(reason);
    }
    const RegisteredOutputLock lock(out_path);
    for (const auto& line : clean_stale_temporaries(out_path))
    {
        std::fprintf(stderr, "[zdscan] %s\n", line.c_str());
    }

    for (const auto& m : config.physics.measurements)
    {
        if (m.kind == MeasurementKind::apv && m.k.kind == ApvKModel::Kind::dirac
            && config.m_zd_mev.min < apv_k_dirac_validity_mev)
        {
            std::fprintf(
                stderr,
                "[zdscan] warning: %s: grid.m_zd_mev.min = %g MeV: below ~%g MeV the unscreened Dirac K is only "
                "a model value (atomic screening matters; docs/physics.md)\n",
                m.name.c_str(), config.m_zd_mev.min, apv_k_dirac_validity_mev);
        }
    }
    const std::int64_t points = static_cast<std::int64_t>(config.m_zd_mev.n) * config.epsilon.n * config.delta.n;
    if (!args.quiet)
    {
        std::fprintf(stderr, "[zdscan] %s: %d x %d x %d = %lld points -> %s%s\n", config.name.c_str(),
                     config.m_zd_mev.n, config.epsilon.n, config.delta.n, static_cast<long long>(points),
                     out_path.c_str(), job.size() > 1 ? (" (" + std::to_string(job.size()) + " MPI ranks)").c_str() : "");
    }
    ScanFileWriter writer(out_path, config, options.full_grid);
    writer.set_command_line(args.command_line);
    writer.set_full_grid_deflate(deflate);
    writer.set_store(store);
    register_cleanup_file(CleanupSlot::temporary_file, writer.temporary_path().c_str());
    // After the writer: a failure to create the output removes no checkpoint and leaves none behind.
    std::unique_ptr<Checkpoint> checkpoint;
    if (!args.no_checkpoint)
    {
        if (const auto old = Checkpoint::describe(out_path); old && !args.resume)
        {
            std::fprintf(stderr,
                         "[zdscan] a checkpoint of an earlier run exists (%s): this run starts over and "
                         "replaces it (--resume continues it)\n",
                         old->c_str());
        }
        checkpoint = std::make_unique<Checkpoint>(
            out_path, CheckpointIdentity{ZDSCAN_VERSION, to_json(config), args.delta_profile, args.full_grid},
            args.resume, checkpoint_interval_s);
        options.journal = checkpoint.get();
    }
    // Said first (also with --quiet: which run computed what is part of the result), before any progress.
    options.on_restored = [](std::int64_t restored, std::int64_t total)
    {
        std::fprintf(stderr, "[zdscan] resumed: %lld of %lld tiles from the checkpoint (rates count this run's tiles)\n",
                     static_cast<long long>(restored), static_cast<long long>(total));
    };
    auto progress = ProgressReporter::for_stderr(points);
    const ScanOutput out = [&]
    {
        try
        {
            return run_scan(
                config, options,
                [&](const Tile& tile, const std::vector<double>& chi2) { writer.write_full_slab(tile, chi2); },
                args.quiet ? nullptr : &progress);
        }
        catch (...)
        {
            if (checkpoint) checkpoint->conclude_failed_run(args.resume, "tiles");
            throw;
        }
    }();
    if (out.tiles_restored > 0) writer.set_resumed(checkpoint->prior_wall_time_s(), out.tiles_restored);
    writer.commit(out,
                  [&]
                  {
                      check_cancel(options.cancel);  // a stop request counts until the rename
                      check_output_target_before_rename(out_path, rules);
                  });
    register_cleanup_file(CleanupSlot::temporary_file, nullptr);
    if (checkpoint) checkpoint->remove();  // the result is in place
    if (args.quiet) return 0;  // nothing on success: `zdscan summary FILE` prints what follows
    std::fprintf(stderr, "[zdscan] backend %s, %.3g points/s%s, wrote %s\n", out.backend.c_str(),
                 out.seconds > 0 ? out.points_computed / out.seconds : 0.0,
                 out.tiles_restored > 0 ? " (this run's points)" : "", out_path.c_str());
    std::cout << format_summary(summary_contents(out));  // from memory: never read back from a shared path
    return 0;
}
}  // namespace

/// How a command failed: its exit code and message (docs/output.md, "Exit codes and signals").
struct Failure
{
    int code;
    std::string message;
    bool interrupted;  ///< a stop request (SIGINT, SIGTERM, SIGHUP), not an error
};

/// The failure of the std::exception being handled; call it inside a catch block.
Failure current_failure()
{
    try
    {
        throw;
    }
    catch (const TimeBudgetReached& e)
    {
        return {exit_time_budget, e.what(), true};
    }
    catch (const ScanInterrupted&)
    {
        return {interrupt_exit_code(),
                "interrupted by signal " + std::to_string(interrupt_signal())
                    + "; no output file was written or replaced",
                true};
    }
    catch (const ConfigError& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const CheckpointMismatch& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const OutputRefused& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const InvalidResultFile& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const InputFileError& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const RankFailed& e)
    {
        return {e.code, e.what(), e.interrupted};
    }
    catch (const std::invalid_argument& e)
    {
        return {exit_bad_input, e.what(), false};
    }
    catch (const std::exception& e)
    {
        return {exit_runtime_error, e.what(), false};
    }
}

void print_failure(const Failure& f)
{
    std::fprintf(stderr, "%szdscan: %s%s\n", f.interrupted ? "\n" : "",
                 f.interrupted ? "" : "error: ", f.message.c_str());
}

/// Runs a command (scan, coverage) as one process or one MPI rank, and ends the MPI job consistently: a failing
/// worker reports to rank 0; rank 0 prints, removes its temporary file (already done when the error reaches here)
/// and ends every rank with the exit code.
int run_job(const std::function<int(ParallelJob&)>& command, int& argc, char**& argv)
{
    const auto job = ParallelJob::start(argc, argv);
    Failure failure{0, "", false};
    try
    {
        failure.code = command(*job);
    }
    catch (const std::exception&)
    {
        failure = current_failure();
    }
    if (failure.code != 0 && job->size() > 1)
    {
        // rank 0 prints it and ends the job; never returns
        job->fail(failure.message, !failure.interrupted, failure.code);
    }
    if (!failure.message.empty()) print_failure(failure);
    job->finish();
    return failure.code == 0 ? finish_stdout(0) : failure.code;
}

/// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
    {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
        {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

/// "unknown option --delta-slice for zdscan scan; did you mean --delta-slices?" for the first unexpected option
/// (the nearest option of the subcommand given, within a third of its length), else CLI11's own message.
std::string unexpected_arguments_message(CLI::App& app, int argc, char** argv, const std::string& fallback)
{
    CLI::App* sub = nullptr;
    for (CLI::App* s : app.get_subcommands({}))
    {
        if (s->parsed()) sub = s;
    }
    if (!sub) return fallback;
    for (int i = 1; i < argc; ++i)
    {
        std::string arg = argv[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) continue;
        arg = arg.substr(0, arg.find('='));
        bool known = false;
        std::string nearest;
        std::size_t best = std::string::npos;
        for (const CLI::Option* opt : sub->get_options())
        {
            for (const std::string& name : opt->get_lnames())
            {
                const std::string full = "--" + name;
                if (full == arg) known = true;
                const std::size_t d = edit_distance(arg, full);
                if (d < best) best = d, nearest = full;
            }
        }
        if (known) continue;
        std::string message = "unknown option " + arg + " for zdscan " + sub->get_name();
        if (!nearest.empty() && best <= std::max<std::size_t>(2, nearest.size() / 3))
        {
            message += "; did you mean " + nearest + "?";
        }
        return message + " (zdscan " + sub->get_name() + " --help lists the options)";
    }
    return fallback;
}

/// An argument for the file's provenance without the machine's directories: an absolute path keeps its file name
/// (/a/b/zdscan → zdscan, --out=/scratch/u/r.h5 → --out=r.h5); relative paths are kept as given.
std::string without_directories(const std::string& arg)
{
    const std::size_t eq = arg.compare(0, 2, "--") == 0 ? arg.find('=') : std::string::npos;
    const std::size_t from = eq == std::string::npos ? 0 : eq + 1;
    if (arg.compare(from, 1, "/") != 0) return arg;
    return arg.substr(0, from) + arg.substr(arg.rfind('/') + 1);
}

/// `zdscan limits ...` and `zdscan plot ...` belong to the Python package (zdscan.limit_curves: contourpy, the
/// output formats; zdscan.plot: matplotlib): run it with the same arguments, finding the package beside this
/// executable when it is the build tree's (build/python) or the pip package's (zdscan/bin/zdscan).
/// $ZDSCAN_PYTHON names the interpreter (default python3).
int run_python_command(int argc, char** argv)
{
    std::string python = std::getenv("ZDSCAN_PYTHON") ? std::getenv("ZDSCAN_PYTHON") : "python3";
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec)
    {
        const auto dir = self.parent_path();
        for (const auto& root : {dir / "python", dir.parent_path().parent_path()})
        {
            if (std::filesystem::exists(root / "zdscan" / "limit_curves.py", ec))
            {
                const char* old = std::getenv("PYTHONPATH");
                const std::string path = root.string() + (old && *old ? ":" + std::string(old) : "");
                setenv("PYTHONPATH", path.c_str(), 1);
                break;
            }
        }
    }
    // A missing package is one line that says how to install it, not a traceback.
    // Ctrl-C while Python starts (importing matplotlib takes a second) is one line and exit 130, not a traceback.
    static char script[] =
        "import sys\n"
        "try:\n"
        "    try:\n"
        "        from zdscan.__main__ import main\n"
        "    except ImportError as e:\n"
        "        sys.exit(f'zdscan {sys.argv[1]}: needs the Python package zdscan ({e}); install it with `pip install .` "
        "in the zdscan source tree (or set PYTHONPATH to build/python)')\n"
        "    sys.exit(main(sys.argv[1:]))\n"
        "except KeyboardInterrupt:\n"
        "    sys.stderr.write(f'zdscan {sys.argv[1]}: interrupted\\n')\n"
        "    sys.exit(130)\n";
    std::vector<char*> args = {python.data(), const_cast<char*>("-c"), script, argv[1]};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    execvp(python.c_str(), args.data());
    std::fprintf(stderr,
                 "zdscan %s: cannot run %s (%s); it needs Python with the zdscan package (pip install . in the "
                 "source tree)\n",
                 argv[1], python.c_str(), std::strerror(errno));
    return 1;
}

int main(int argc, char** argv)
{
    if (argc > 1 && (std::strcmp(argv[1], "limits") == 0 || std::strcmp(argv[1], "plot") == 0))
    {
        return run_python_command(argc, argv);
    }
    CLI::App app{"zdscan: chi2 scans of dark Z_d models (mass m_Zd, kinetic mixing epsilon, Z-Z_d mass mixing delta)\n"
                 "against low-energy measurements, given in a JSON config by kind: lepton_g2 (muon and electron g-2),\n"
                 "pves_proton (Qweak, P2), pves_electron (MOLLER), apv (atomic parity violation, Cs). The default\n"
                 "config reproduces Cadeddu et al., PRD 104, L011701 (2021); docs/config.md describes the kinds."};
    app.set_version_flag("--version", std::string("zdscan ") + ZDSCAN_VERSION
                                          + (ZDSCAN_USE_CUDA ? " (CUDA backend built)" : " (CPU backend only)"));
    app.require_subcommand(1);

    app.add_subcommand("limits", "Limit curves (CSV, DarkCast .lmt, JSON, HEPData) from a result file: the Python "
                                 "package's zdscan.limit_curves; `zdscan limits --help`");
    app.add_subcommand("plot", "The seed paper's Figs. 1-5 from a result file at journal sizes (PDF, PNG, SVG): the "
                               "Python package's zdscan.plot; `zdscan plot --help`");
    ScanArgs scan;
    auto* scan_cmd = app.add_subcommand("scan", "Scan the (m_Zd, epsilon, delta) grid and write an HDF5 file");
    scan_cmd->add_option("--config", scan.config_path, "JSON config (default: the embedded configs/paper2021.json)")
        ->check(CLI::ExistingFile)
        ->option_text("FILE");
    auto* out_opt = scan_cmd
                        ->add_option("--out", scan.out_path,
                                     "output HDF5 file (default: <config name>.h5); replaces only a previous "
                                     "zdscan result unless --force")
                        ->type_name("FILE");
    scan_cmd->add_flag("--force", scan.force, "replace any regular file at --out (never the config itself)");
    auto* n_all = scan_cmd->add_option("--n", scan.n, "points on every axis, 1 to 1000000 (overrides the config)")
                      ->type_name("NUMBER");
    scan_cmd->add_option("--n-m", scan.n_m, "points on the m_Zd axis")->excludes(n_all)->type_name("NUMBER");
    scan_cmd->add_option("--n-eps", scan.n_eps, "points on the epsilon axis")->excludes(n_all)->type_name("NUMBER");
    scan_cmd->add_option("--n-delta", scan.n_delta, "points on the delta axis")->excludes(n_all)->type_name("NUMBER");
    scan_cmd
        ->add_option("--backend", scan.backend,
                     "cpu, cuda or auto (cuda when a GPU is present); cuda-emulated runs the CUDA kernels on the CPU "
                     "(slow: for tests and debugging)")
        ->check(CLI::IsMember({"cpu", "cuda", "cuda-emulated", "auto"}));
    scan_cmd
        ->add_option("--delta-profile", scan.delta_profile,
                     "minimise each (m_Zd, epsilon) cell over the continuous delta range (exact, the default) or "
                     "over the delta grid points (grid)")
        ->check(CLI::IsMember({"exact", "grid"}));
    scan_cmd->add_option("--threads", scan.threads, "CPU threads (default: all; at most 4 x the hardware threads)")
        ->type_name("NUMBER");
    scan_cmd
        ->add_option("--tile-masses", scan.tile_masses,
                     "at most this many masses per tile (default: from the "
                     "tile budget)")
        ->type_name("NUMBER");
    scan_cmd
        ->add_option("--max-tile-mb", scan.max_tile_mb,
                     "MB a tile holds in memory (default 256): the full grid's chi2 (--full-grid) and, on cuda, the device's "
                     "buffers of each of the two tiles in flight")
        ->type_name("NUMBER");
    scan_cmd
        ->add_option("--delta-slices", scan.delta_slices,
                     "comma-separated fixed delta values: every measurement's chi2 over (m, epsilon) at each, in "
                     "/slices (Figs. 2, 5); at most 64")
        ->type_name("NUMBER,...");
    scan_cmd->add_flag("--full-grid", scan.full_grid, "also write chi2 on the full 3-D grid (/chi2/total)");
    scan_cmd->add_flag("--posterior", scan.posterior,
                       "also the Bayesian posterior of (m_Zd, epsilon): delta integrated, log-uniform m_Zd and epsilon, "
                       "uniform delta (/posterior; docs/statistics.md)");
    scan_cmd->add_option("--delta-prior", scan.delta_prior,
                         "with --posterior: the prior of delta, uniform (default) over the scanned range, or log[:FLOOR] "
                         "(log-uniform |delta| above FLOOR, default 1e-3 x the largest |delta|)")
        ->type_name("PRIOR");
    scan_cmd->add_option("--store", scan.store,
                         "what /profile holds beside chi2_total: all (default: argmin,terms), total, or a comma list of "
                         "argmin (the delta at the minimum), terms (each measurement's map) or terms32 (float32)");
    scan_cmd
        ->add_option("--deflate", scan.deflate,
                     "with --full-grid: compression of /chi2/total, 0 (none, the default: 1e8 points/s to disk) "
                     "to 9 (shuffle + deflate: 25 % smaller, 20x slower; docs/benchmarks.md)")
        ->type_name("NUMBER");
    scan_cmd->add_flag("--resume", scan.resume,
                       "continue from the checkpoint an interrupted or killed run left beside --out (same config and "
                       "options)");
    scan_cmd
        ->add_option("--checkpoint-interval", scan.checkpoint_interval,
                     "seconds between two saves of the checkpoint, 0 to 86400 (default 60; 0: after every tile)")
        ->type_name("NUMBER");
    scan_cmd->add_flag("--no-checkpoint", scan.no_checkpoint, "keep no checkpoint");
    scan_cmd->add_flag("--quiet", scan.quiet,
                       "print nothing on success (no progress, no summary: `zdscan summary FILE` prints it); "
                       "warnings and errors still go to stderr");

    CoverageArgs coverage;
    CLI::App* coverage_cmd = add_coverage_command(app, coverage);

    std::string summary_path, summary_cl = "68";
    bool summary_as_json = false;
    auto* summary_cmd = app.add_subcommand("summary", "Print best fit and 1-D intervals of a result file");
    summary_cmd->add_option("file", summary_path, "zdscan HDF5 result")->required()->check(CLI::ExistingFile);
    summary_cmd->add_option("--cl", summary_cl, "interval level: 68, 90, 95, 99 (% CL, one parameter) or dchi2=X")
        ->type_name("CL");
    summary_cmd->add_flag("--json", summary_as_json, "print JSON");

    std::string apv_config_path;
    bool apv_json = false, apv_alternatives_table = false;
    auto* apv_cmd = app.add_subcommand("apv", "Compute Q_W(133Cs) from APV with the neutron-skin correction (paper "
                                              "eqs. 16-23) from the config's apv_reanalysis inputs");
    apv_cmd->add_option("--config", apv_config_path, "JSON config (default: the embedded one, the paper's inputs)")
        ->check(CLI::ExistingFile)
        ->option_text("FILE");
    apv_cmd->add_flag("--json", apv_json, "print JSON: inputs, every step with its uncertainty, the budget");
    apv_cmd->add_flag("--alternatives", apv_alternatives_table,
                      "also the table of alternatives (hadronic skin, direct R_n, other densities, other amplitude)");

    std::string config_path;
    auto* config_cmd = app.add_subcommand("config", "Print the resolved configuration as JSON");
    config_cmd->add_option("--config", config_path, "JSON config (default: the embedded one)")
        ->check(CLI::ExistingFile)
        ->option_text("FILE");

    // An unknown command is named (CLI11 would only say "A subcommand is required").
    const auto known_command = [&](const std::string& name)
    {
        const auto subs = app.get_subcommands({});
        return std::any_of(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(name); });
    };
    if (argc > 1 && argv[1][0] != '-' && !known_command(argv[1]))
    {
        std::string names, nearest;
        std::size_t best = std::string::npos;
        for (const CLI::App* s : app.get_subcommands({}))
        {
            names += (names.empty() ? "" : ", ") + s->get_name();
            const std::size_t d = edit_distance(argv[1], s->get_name());
            if (d < best) best = d, nearest = s->get_name();
        }
        std::fprintf(stderr, "zdscan: error: unknown command \"%s\"%s; the commands are %s (zdscan --help)\n",
                     excerpt(argv[1]).c_str(), best <= 2 ? (" (did you mean " + nearest + "?)").c_str() : "",
                     names.c_str());
        return exit_bad_input;
    }
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ExtrasError& e)
    {
        std::fprintf(stderr, "zdscan: error: %s\n", unexpected_arguments_message(app, argc, argv, e.what()).c_str());
        return exit_bad_input;
    }
    catch (const CLI::ParseError& e)
    {
        const int code = app.exit(e);
        return finish_stdout(code == 0 ? 0 : exit_bad_input);
    }
    // An option given an empty value (--n '') is refused naming it, never taken as "not given".
    for (const CLI::App* sub : app.get_subcommands())
    {
        for (const CLI::Option* opt : sub->get_options())
        {
            if (opt->count() == 0 || opt->get_items_expected_max() == 0) continue;
            for (const std::string& value : opt->results())
            {
                if (value.empty() || value.find_first_not_of(" \t") == std::string::npos)
                {
                    std::fprintf(stderr, "zdscan: error: %s: empty value\n",
                                 opt->get_name().empty() ? "argument" : opt->get_name().c_str());
                    return exit_bad_input;
                }
            }
        }
    }
    scan.out_given = out_opt->count() > 0;
    for (int i = 0; i < argc; ++i) scan.command_line += std::string(i ? " " : "") + without_directories(argv[i]);
    coverage.command_line = scan.command_line;

    try
    {
        if (*scan_cmd)
        {
            return run_job([&](ParallelJob& job) { return run_scan_command(scan, job); }, argc, argv);
        }
        if (*coverage_cmd)
        {
            return run_job([&](ParallelJob& job) { return run_coverage_command(coverage, job); }, argc, argv);
        }
        if (*summary_cmd)
        {
            const SummaryLevel level = parse_summary_level(summary_cl);
            const ScanFileContents contents = read_scan_file(summary_path);
            if (summary_as_json)
            {
                std::cout << summary_json(contents, level).dump(2) << "\n";
            }
            else
            {
                std::cout << format_summary(contents, level);
            }
            return finish_stdout(0);
        }
        if (*apv_cmd)
        {
            const ScanConfig config = resolve_config(apv_config_path);
            const ApvReanalysis result = compute_apv_reanalysis(config.apv_reanalysis);
            const auto alternatives =
                apv_alternatives_table ? apv_alternatives(config.apv_reanalysis) : std::vector<ApvAlternative>{};
            if (apv_json)
            {
                const nlohmann::json j = apv_report_json(config.apv_reanalysis, apv_alternatives_table);
                std::cout << j.dump(2) << "\n";
            }
            else
            {
                std::cout << format_apv_reanalysis(config.apv_reanalysis, result);
                if (apv_alternatives_table) std::cout << format_apv_alternatives(alternatives);
            }
            return finish_stdout(0);
        }
        if (*config_cmd)
        {
            std::cout << to_json(resolve_config(config_path)).dump(2) << "\n";
            return finish_stdout(0);
        }
    }
    catch (const std::exception&)
    {
        const Failure f = current_failure();
        print_failure(f);
        return f.code;
    }
    return exit_runtime_error;
}
