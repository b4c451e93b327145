#pragma once
// [daemon] user and group: a daemon started as root binds its sockets and
// opens its files, then runs as an unprivileged user.

#include <string>

namespace coropiped {

/// Switches to `user` (and `group`, default the user's; supplementary
/// groups are the user's) when running as root; nothing when both are
/// empty. Not root with a user set: a warning, and the daemon stays as it
/// is. An unknown user or group, or a failed switch, throws.
void drop_privileges(const std::string& user, const std::string& group);

} // namespace coropiped
