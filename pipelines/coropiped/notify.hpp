#pragma once
// systemd's readiness protocol (sd_notify), without libsystemd: a datagram
// to $NOTIFY_SOCKET. Does nothing when the variable is not set.

namespace coropiped {

/// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1"); errors are ignored.
void notify(const char* state) noexcept;

} // namespace coropiped
