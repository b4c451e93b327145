#pragma once
// A disk a daemon's file sink fills up, for the fault tests.

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/types.h>

namespace coropipe::test {

/// A disk the daemon's file sink fills up: a small tmpfs when one can be
/// mounted here (ENOSPC), else RLIMIT_FSIZE set on the daemon's process
/// (EFBIG). `room` bytes fit; `free()` makes room again.
class small_disk {
public:
    small_disk(const coropipe::test::temp_dir& dir, std::size_t room) : dir_(dir.path("disk")), room_(room) {
        std::filesystem::create_directory(dir_);
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=2m") == 0) {
            mounted_ = true;
            filler_ = dir_ + "/filler";
            std::ofstream(filler_, std::ios::binary) << std::string(2 * 1024 * 1024 - room, 'f');
        } else {
            WARN("cannot mount a tmpfs here (" << std::strerror(errno)
                                               << "): the disk fills up by RLIMIT_FSIZE on the daemon");
        }
    }
    small_disk(const small_disk&) = delete;
    ~small_disk() {
        if (mounted_) {
            ::umount2(dir_.c_str(), MNT_DETACH);
        }
    }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    bool tmpfs() const noexcept { return mounted_; }

    /// Applies the limit to the daemon (with RLIMIT_FSIZE).
    void limit(pid_t daemon) const {
        if (!mounted_) {
            const rlimit l{room_, RLIM_INFINITY};
            REQUIRE(::prlimit(daemon, RLIMIT_FSIZE, &l, nullptr) == 0);
        }
    }
    /// Room again: the filler goes, or the limit is lifted.
    void free(pid_t daemon) const {
        if (mounted_) {
            std::filesystem::remove(filler_);
        } else if (daemon > 0) {
            const rlimit l{RLIM_INFINITY, RLIM_INFINITY};
            REQUIRE(::prlimit(daemon, RLIMIT_FSIZE, &l, nullptr) == 0);
        }
    }

private:
    std::string dir_;
    std::string filler_;
    std::size_t room_;
    bool mounted_ = false;
};

} // namespace coropipe::test
