/// \file output_target.hpp
/// Where a result file goes, and what may be replaced there (the guarantees: docs/output.md, "Safety").
///
/// - The target must be absent, or a regular file holding a previous zdscan result; any other regular file only
///   with --force. Symbolic links, directories, devices, FIFOs and the config file itself are always refused.
/// - All of this is checked before any work, and again just before the final rename.
/// - The result is written to a temporary file beside the target, `.<name>.zdscan-tmp.<host>.<pid>`, and renamed
///   onto it when complete. A run that dies leaves at most that file; the next run for the same target removes
///   it (when its process is gone) or reports it (when it was written on another host).
/// - One writer per target: a lock file `.<name>.zdscan-lock` (flock), held for the whole run.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace zdscan
{
/// The target is unusable as given (bad input: exit code 2). The message names the option.
class OutputRefused : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// What a writer makes at its target, and so what of zdscan's it may replace there.
enum class OutputKind
{
    result_file,  ///< an HDF5 result (`scan`): replaces a zdscan result (root attribute creator = "zdscan")
    text_file,    ///< a limit file, JSON, CSV, archive (`limits`): replaces a file zdscan marked as its own
    directory     ///< a directory of files (HEPData): replaces only a directory zdscan created and marked
};

struct OutputRules
{
    bool force = false;       ///< replace any regular file (never an input, a link, a device)
    std::string config_path;  ///< never replace this file (empty: no config file)
    OutputKind kind = OutputKind::result_file;
    std::vector<std::string> inputs;  ///< never replace these either (the result a command reads)
    std::string option = "--out";     ///< how the target was given, for messages ("--out", "out=")
};

/// The marker file inside a directory zdscan created (`zdscan limits --format hepdata`).
inline constexpr const char* directory_marker = ".zdscan-output";
/// A HEPData directory is marked inside the submission's own metadata, so that the directory validates as it stands
/// (hepdata-validate -d refuses a file submission.yaml does not reference): submission.yaml, a regular file, whose
/// first line is this YAML comment.
inline constexpr const char* submission_marker = "# zdscan-output: made by zdscan";
/// What zdscan's figures carry in their metadata (PNG Software, SVG and PDF Creator), so that a figure it wrote may
/// be replaced by the next one (zdscan.plot).
inline constexpr const char* figure_marker = "zdscan-figure";
/// The line that marks a text output as zdscan's (within its first 8 kB): `# creator: zdscan` (CSV, .lmt) or the
/// JSON key `"creator": "zdscan"`; a gzip archive is zdscan's when its stored name starts with `zdscan-`; a figure
/// holds figure_marker in its first 8 kB (PNG, SVG) or, a PDF, in its last 8 kB.
bool is_zdscan_marked_file(const std::string& path);
/// A directory holding directory_marker as a regular file.
bool is_zdscan_directory(const std::string& path);

/// The default output path from a config name: characters outside [A-Za-z0-9._+-] become '_', leading dots
/// are dropped (no hidden files, no "../"), an empty result becomes "zdscan"; then ".h5".
std::string default_output_path(const std::string& config_name);

/// `.<basename>.zdscan-tmp.<host>.<pid>` in the target's directory.
std::string temporary_path_for(const std::string& target);

/// True when path is an HDF5 file written by zdscan (root attribute `creator` = "zdscan", or the attributes
/// `version` and `config` with a /bestfit group, as written by 0.1).
bool is_zdscan_result(const std::string& path);

/// Throws OutputRefused (naming --out) when the rules above forbid writing `target`; the reason includes the
/// system's error text where a system call failed.
void check_output_target(const std::string& target, const OutputRules& rules);
/// The same check just before the rename: a target that became unusable during the run is a run-time error
/// (std::runtime_error saying so), not bad input.
void check_output_target_before_rename(const std::string& target, const OutputRules& rules);

/// Holds the target's lock file for its lifetime; removes it at the end.
class OutputLock
{
  public:
    /// Throws std::runtime_error when another process holds the lock (naming its pid) or the lock cannot be made.
    explicit OutputLock(const std::string& target);
    ~OutputLock();
    OutputLock(const OutputLock&) = delete;
    OutputLock& operator=(const OutputLock&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
    int fd_ = -1;
};

/// Temporary files (and directories) of earlier runs for this target (see above): removes those of dead processes
/// on this host, and returns one line for each removed or left in place.
std::vector<std::string> clean_stale_temporaries(const std::string& target);
}  // namespace zdscan
