#include <coropipe/stages/tee.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace coropipe::detail {

tee_file::~tee_file() {
    if (owned_ && fd_ >= 0) {
        ::close(fd_);
    }
}

tee_file tee_file::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        throw std::system_error(errno, std::system_category(), "coropipe::tee: cannot open " + path);
    }
    return tee_file(fd, true);
}

} // namespace coropipe::detail
