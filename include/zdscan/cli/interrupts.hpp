/// \file interrupts.hpp
/// Process-wide signal handling for a scan that writes a file.
///
/// - SIGINT, SIGTERM, SIGHUP (the first): set a flag that the scan polls after every tile and at every step up to
///   the final rename; the run then removes its temporary file and exits with 128 + signal (130, 143, 129: what
///   shells and batch systems read).
/// - A second such signal: removes the registered files at once (async-signal-safe unlink) and _exits 128 + signal.
/// - SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT (also std::terminate, e.g. an exception escaping an OpenMP region):
///   remove the registered files, then the default action (core dump as usual).
/// - SIGXFSZ and SIGPIPE: ignored, so that a file-size limit fails the write (EFBIG: exit 1 naming it, nothing left)
///   and a closed stderr pipe only loses messages.
/// kill -9 cannot be caught: its leftovers are found by the next run (output_target.hpp).
#pragma once

#include <atomic>

namespace zdscan
{
/// Installs the handlers above (idempotent).
void install_interrupt_handlers();

/// Set by the first SIGINT/SIGTERM/SIGHUP; pass it to ScanOptions::cancel.
const std::atomic<bool>& interrupt_requested();
/// The signal that set interrupt_requested() (0 if none).
int interrupt_signal();
/// 128 + interrupt_signal(), or 130 if none was recorded.
int interrupt_exit_code();

/// Files removed by the handlers (slot 0: the temporary result, slot 1: the lock file). Copies the path into
/// static storage; an empty path clears the slot.
enum class CleanupSlot
{
    temporary_file = 0,
    lock_file = 1
};
void register_cleanup_file(CleanupSlot slot, const char* path);
/// Unlinks the registered files now (async-signal-safe: for signal handlers of library users, e.g. Python).
void remove_cleanup_files_now();

/// Holds back the handlers' cleanup (and the process's end) while a file that they must remove exists but is not yet
/// registered, or is registered but not yet removed: a signal in that window once left the lock file behind. A
/// signal that arrives meanwhile is raised again, in this thread, when the last deferral ends. Fatal signals
/// (SIGSEGV, ...) are never held back. Nests; the first signal of `zdscan scan` only sets the stop flag anyway.
class CleanupDeferral
{
  public:
    CleanupDeferral();
    ~CleanupDeferral() { end(); }
    CleanupDeferral(const CleanupDeferral&) = delete;
    CleanupDeferral& operator=(const CleanupDeferral&) = delete;
    /// Ends the deferral (idempotent); raises the signal that came meanwhile, if any.
    void end();

  private:
    bool active_ = true;
};
/// For a handler that removes the registered files: true (and the signal recorded) while a CleanupDeferral is
/// active, so the handler returns at once. Async-signal-safe.
bool defer_cleanup_signal(int sig);
}  // namespace zdscan
