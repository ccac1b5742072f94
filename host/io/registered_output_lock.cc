/// \file registered_output_lock.cc
#include "zdscan/io/registered_output_lock.hpp"

#include "zdscan/cli/interrupts.hpp"

namespace zdscan
{
RegisteredOutputLock::RegisteredOutputLock(const std::string& target)
{
    CleanupDeferral held;  // a signal now is raised again once the lock file is registered (or was never made)
    lock_.emplace(target);
    register_cleanup_file(CleanupSlot::lock_file, lock_->path().c_str());
}

RegisteredOutputLock::~RegisteredOutputLock()
{
    CleanupDeferral held;  // the file goes with its registration
    register_cleanup_file(CleanupSlot::lock_file, nullptr);
    lock_.reset();
}
}  // namespace zdscan
