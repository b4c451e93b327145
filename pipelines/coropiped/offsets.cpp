#include "offsets.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace coropiped {

// One line per followed file: "DEVICE INODE OFFSET NAME".
offsets::offsets(std::filesystem::path file) : file_(std::move(file)) {
    if (file_.empty()) {
        return;
    }
    std::FILE* f = std::fopen(file_.c_str(), "r");
    if (f == nullptr) {
        return; // first run
    }
    char line[4096];
    while (std::fgets(line, sizeof line, f) != nullptr) {
        unsigned long long dev = 0, ino = 0;
        long long offset = 0;
        int used = 0;
        if (std::sscanf(line, "%llu %llu %lld %n", &dev, &ino, &offset, &used) == 3 && used > 0) {
            std::string name(line + used);
            while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) {
                name.pop_back();
            }
            at_[name] = {dev, ino, offset};
        }
    }
    std::fclose(f);
}

std::optional<coropipe::file_position> offsets::get(const std::string& source) const {
    std::lock_guard lock(mutex_);
    const auto it = at_.find(source);
    if (it == at_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void offsets::set(const std::string& source, coropipe::file_position at) {
    std::lock_guard lock(mutex_);
    auto& slot = at_[source];
    if (slot.device != at.device || slot.inode != at.inode || slot.offset != at.offset) {
        slot = at;
        dirty_ = true;
    }
}

bool offsets::save(std::string* error) {
    if (file_.empty()) {
        return true;
    }
    std::string text;
    {
        std::lock_guard lock(mutex_);
        if (!dirty_) {
            return true;
        }
        for (const auto& [name, at] : at_) {
            text += std::to_string(at.device) + " " + std::to_string(at.inode) + " " + std::to_string(at.offset) +
                    " " + name + "\n";
        }
        dirty_ = false;
    }
    const std::string tmp = file_.string() + ".tmp";
    auto fail = [&](const char* what) {
        *error = std::string(what) + " " + tmp + ": " + std::strerror(errno);
        std::lock_guard lock(mutex_);
        dirty_ = true;
        return false;
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return fail("cannot create");
    }
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            return fail("cannot write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        return fail("cannot sync");
    }
    ::close(fd);
    if (std::rename(tmp.c_str(), file_.c_str()) != 0) {
        return fail("cannot rename");
    }
    // The rename itself is durable once the directory is synced.
    const std::string dir = file_.has_parent_path() ? file_.parent_path().string() : ".";
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

} // namespace coropiped
