/// \file interrupts.cc
#include "zdscan/cli/interrupts.hpp"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <exception>

namespace zdscan
{
namespace
{
constexpr int n_slots = 2;
constexpr std::size_t max_path = 4096;
// Read by the handlers: plain char arrays with a flag, written only from the main thread before a scan.
char cleanup_paths[n_slots][max_path];
volatile sig_atomic_t cleanup_valid[n_slots] = {0, 0};

std::atomic<bool> requested{false};
std::atomic<int> first_signal{0};
// Lock-free atomics: safe to touch from a handler in any thread.
std::atomic<int> deferral_depth{0};
std::atomic<int> deferred_signal{0};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

void remove_registered_files()
{
    for (int i = 0; i < n_slots; ++i)
    {
        if (cleanup_valid[i])
        {
            ::unlink(cleanup_paths[i]);  // async-signal-safe
        }
    }
}

void write_stderr(const char* text)
{
    const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
    (void)ignored;
}

extern "C" void on_stop_signal(int sig)
{
    if (!requested.exchange(true))
    {
        first_signal = sig;
        return;
    }
    // The second signal: the user (or the batch system) insists; clean up and leave now.
    if (defer_cleanup_signal(sig)) return;  // ... once the lock file is registered (CleanupDeferral)
    remove_registered_files();
    write_stderr("\nzdscan: second signal: temporary files removed, exiting now\n");
    ::_exit(128 + sig);
}

extern "C" void on_fatal_signal(int sig)
{
    remove_registered_files();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void set_handler(int sig, void (*handler)(int))
{
    struct sigaction action = {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_ONSTACK;
    ::sigaction(sig, &action, nullptr);
}
}  // namespace

void install_interrupt_handlers()
{
    // A stack of its own for the handlers: a stack overflow must still reach on_fatal_signal.
    static char alternate_stack[1 << 16];
    stack_t ss = {};
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof alternate_stack;
    ::sigaltstack(&ss, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
    {
        set_handler(sig, on_stop_signal);
    }
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    {
        set_handler(sig, on_fatal_signal);
    }
    // A file-size limit (ulimit -f) or a closed pipe on stderr (`zdscan scan 2>&1 | head -1`) would kill the run
    // without a word and leave its temporary and lock behind. Ignored, they become write errors: EFBIG fails the
    // write (cleaned up, exit 1 naming the cause); EPIPE loses only progress lines, and the file is finished.
    ::signal(SIGXFSZ, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    // The default terminate handler aborts, which reaches on_fatal_signal; say why first.
    std::set_terminate(
        []
        {
            write_stderr("zdscan: fatal: unhandled exception (removing temporary files)\n");
            std::abort();
        });
}

const std::atomic<bool>& interrupt_requested()
{
    return requested;
}

int interrupt_signal()
{
    return first_signal.load();
}

int interrupt_exit_code()
{
    const int sig = interrupt_signal();
    return 128 + (sig > 0 ? sig : SIGINT);
}

void remove_cleanup_files_now()
{
    remove_registered_files();
}

CleanupDeferral::CleanupDeferral()
{
    deferral_depth.fetch_add(1);
}

void CleanupDeferral::end()
{
    if (!active_) return;
    active_ = false;
    if (deferral_depth.fetch_sub(1) == 1)
    {
        // A signal from here on finds the handler's files registered; one that came before is raised again now.
        if (const int sig = deferred_signal.exchange(0); sig != 0) ::raise(sig);
    }
}

bool defer_cleanup_signal(int sig)
{
    if (deferral_depth.load() == 0) return false;
    int none = 0;
    deferred_signal.compare_exchange_strong(none, sig);  // the first one wins
    return true;
}

void register_cleanup_file(CleanupSlot slot, const char* path)
{
    const int i = static_cast<int>(slot);
    cleanup_valid[i] = 0;
    if (path && path[0] && std::strlen(path) < max_path)
    {
        std::strcpy(cleanup_paths[i], path);
        cleanup_valid[i] = 1;
    }
}
}  // namespace zdscan
