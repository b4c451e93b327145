#include "privileges.hpp"

#include "log.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace coropiped {

void drop_privileges(const std::string& user, const std::string& group) {
    if (user.empty() && group.empty()) {
        return;
    }
    if (::geteuid() != 0) {
        log(log_level::warning, "[daemon] user/group: not started as root, so staying uid " +
                                    std::to_string(::geteuid()));
        return;
    }
    uid_t uid = 0;
    gid_t gid = 0;
    if (!user.empty()) {
        const passwd* pw = ::getpwnam(user.c_str());
        if (pw == nullptr) {
            throw std::runtime_error("[daemon] user: no such user '" + user + "'");
        }
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (!group.empty()) {
        const struct group* gr = ::getgrnam(group.c_str());
        if (gr == nullptr) {
            throw std::runtime_error("[daemon] group: no such group '" + group + "'");
        }
        gid = gr->gr_gid;
    }
    const bool groups_ok = user.empty() ? ::setgroups(0, nullptr) == 0 : ::initgroups(user.c_str(), gid) == 0;
    if (!groups_ok || ::setgid(gid) != 0 || (!user.empty() && ::setuid(uid) != 0)) {
        throw std::runtime_error(std::string("[daemon] user/group: cannot switch: ") + std::strerror(errno));
    }
    if (!user.empty() && ::setuid(0) == 0) {
        throw std::runtime_error("[daemon] user: could switch back to root after dropping privileges");
    }
    log(log_level::info, "running as uid " + std::to_string(::getuid()) + ", gid " + std::to_string(::getgid()));
}

} // namespace coropiped
