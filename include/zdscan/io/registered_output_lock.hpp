/// \file registered_output_lock.hpp
/// The output lock of a run that writes a file, registered with the signal handlers (cli/interrupts.hpp) for as long
/// as its file exists: created and registered, then unregistered and removed, each with the handlers' cleanup held
/// back in between (a SIGTERM after the lock file was created but before it was registered once left it behind).
#pragma once

#include "zdscan/io/output_target.hpp"

#include <optional>
#include <string>

namespace zdscan
{
class RegisteredOutputLock
{
  public:
    /// Throws as OutputLock does (another run holds it, or it cannot be made).
    explicit RegisteredOutputLock(const std::string& target);
    ~RegisteredOutputLock();
    RegisteredOutputLock(const RegisteredOutputLock&) = delete;
    RegisteredOutputLock& operator=(const RegisteredOutputLock&) = delete;
    const std::string& path() const { return lock_->path(); }

  private:
    std::optional<OutputLock> lock_;
};
}  // namespace zdscan
