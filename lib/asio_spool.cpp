// coropipe::asio::spool: records of output in an append-only file.
#include <coropipe/asio/spool.hpp>

#include <boost/crc.hpp>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coropipe::asio {

namespace {

constexpr std::uint32_t magic = 0x31535043; // "CPS1" little-endian
constexpr std::size_t header_size = 20;
constexpr std::uint32_t waiting_state = 0;
constexpr std::uint32_t replayed_state = 1;
constexpr std::size_t state_at = 4; // the state word's place in a header

void put32(char* at, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) {
        at[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

std::uint32_t get32(const char* at) noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(at[i])) << (8 * i);
    }
    return v;
}

std::uint32_t checksum(const char* length_and_lines, std::string_view payload) noexcept {
    boost::crc_32_type crc;
    crc.process_bytes(length_and_lines, 8);
    crc.process_bytes(payload.data(), payload.size());
    return crc.checksum();
}

std::string header_for(std::string_view payload, std::uint64_t lines) {
    std::string h(header_size, '\0');
    put32(h.data(), magic);
    put32(h.data() + state_at, waiting_state);
    put32(h.data() + 8, static_cast<std::uint32_t>(payload.size()));
    put32(h.data() + 12, static_cast<std::uint32_t>(lines));
    put32(h.data() + 16, checksum(h.data() + 8, payload));
    return h;
}

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
    throw std::system_error(errno, std::system_category(), "spool " + path.string() + ": " + what);
}

void write_all(int fd, const char* data, std::size_t size, std::uint64_t offset, const std::filesystem::path& path) {
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            fail(path, "cannot write");
        }
        done += static_cast<std::size_t>(n);
    }
}

bool read_all(int fd, char* data, std::size_t size, std::uint64_t offset) {
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pread(fd, data + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// Opens (creates) a spool file, locked for this object alone (flock): a
/// second sink or process on the same file is refused.
int open_spool(const std::filesystem::path& path, int flags) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), flags | O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno == EWOULDBLOCK ? EBUSY : errno;
        ::close(fd);
        errno = err;
        return -2;
    }
    return fd;
}

} // namespace

spool::spool(std::filesystem::path path, std::uint64_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes) {
    fd_ = open_spool(path_, 0);
    if (fd_ == -2) {
        fail(path_, "in use by another spool (a sink of this or another process)");
    }
    if (fd_ < 0) {
        fail(path_, "cannot open");
    }
    try {
        scan();
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

spool::~spool() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void spool::scan() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        fail(path_, "cannot stat");
    }
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t at = 0;
    char header[header_size];
    std::string payload;
    while (at < file_size) {
        if (file_size - at < header_size || !read_all(fd_, header, header_size, at) || get32(header) != magic) {
            break; // torn, or not a record: nothing after it can be framed
        }
        const std::uint32_t length = get32(header + 8);
        const std::uint32_t lines = get32(header + 12);
        if (file_size - at - header_size < length) {
            break; // cut short
        }
        payload.resize(length);
        if (!read_all(fd_, payload.data(), length, at + header_size)) {
            break;
        }
        if (checksum(header + 8, payload) != get32(header + 16)) {
            ++recovered_.bad_records;
            recovered_.bad_lines += lines;
        } else if (get32(header + state_at) == waiting_state) {
            waiting_.push_back({at, length, lines});
            waiting_lines_ += lines;
            ++recovered_.records;
            recovered_.lines += lines;
        }
        at += header_size + length;
    }
    size_ = at;
    if (at < file_size) {
        recovered_.torn_bytes = file_size - at;
        if (::ftruncate(fd_, static_cast<off_t>(at)) != 0) {
            fail(path_, "cannot cut a torn record off");
        }
    }
    empty_if_done();
}

void spool::write_at_end(std::string_view header, std::string_view payload) {
    try {
        write_all(fd_, header.data(), header.size(), size_, path_);
        write_all(fd_, payload.data(), payload.size(), size_ + header.size(), path_);
    } catch (...) {
        (void)::ftruncate(fd_, static_cast<off_t>(size_)); // no torn record left behind, if it can
        throw;
    }
}

bool spool::append(std::string_view bytes, std::uint64_t lines) {
    if (size_ + header_size + bytes.size() > max_bytes_ || bytes.size() > UINT32_MAX || lines > UINT32_MAX) {
        return false;
    }
    write_at_end(header_for(bytes, lines), bytes);
    waiting_.push_back({size_, static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint32_t>(lines)});
    waiting_lines_ += lines;
    size_ += header_size + bytes.size();
    return true;
}

std::optional<spool::record> spool::take() {
    if (waiting_.empty()) {
        return std::nullopt;
    }
    const entry e = waiting_.front();
    record r;
    r.bytes.resize(e.length);
    r.lines = e.lines;
    r.offset = e.offset;
    if (!read_all(fd_, r.bytes.data(), e.length, e.offset + header_size)) {
        if (errno == 0) {
            errno = EIO;
        }
        fail(path_, "cannot read");
    }
    waiting_.pop_front();
    waiting_lines_ -= e.lines;
    ++taken_;
    taken_lines_ += e.lines;
    return r;
}

void spool::consumed(const record& r) {
    char state[4];
    put32(state, replayed_state);
    --taken_;
    taken_lines_ -= r.lines;
    write_all(fd_, state, sizeof state, r.offset + state_at, path_);
    empty_if_done();
}

void spool::empty_if_done() {
    if (waiting_.empty() && taken_ == 0 && size_ != 0) {
        if (::ftruncate(fd_, 0) != 0) {
            fail(path_, "cannot empty");
        }
        size_ = 0;
    }
}

void spool::rewrite(const std::vector<record>& first) {
    const std::filesystem::path tmp = path_.string() + ".new";
    const int fd = open_spool(tmp, O_TRUNC);
    if (fd < 0) {
        fail(tmp, fd == -2 ? "in use" : "cannot create");
    }
    std::deque<entry> kept;
    std::uint64_t at = 0;
    try {
        auto put = [&](std::string_view payload, std::uint64_t lines) {
            const std::string h = header_for(payload, lines);
            write_all(fd, h.data(), h.size(), at, tmp);
            write_all(fd, payload.data(), payload.size(), at + h.size(), tmp);
            kept.push_back({at, static_cast<std::uint32_t>(payload.size()), static_cast<std::uint32_t>(lines)});
            at += h.size() + payload.size();
        };
        for (const record& r : first) {
            if (!r.bytes.empty()) {
                put(r.bytes, r.lines);
            }
        }
        std::string payload;
        for (const entry& e : waiting_) {
            payload.resize(e.length);
            if (!read_all(fd_, payload.data(), e.length, e.offset + header_size)) {
                fail(path_, "cannot read");
            }
            put(payload, e.lines);
        }
        if (::fsync(fd) != 0) {
            fail(tmp, "cannot sync");
        }
        if (::rename(tmp.c_str(), path_.c_str()) != 0) {
            fail(tmp, "cannot rename");
        }
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd_);
    fd_ = fd;
    size_ = at;
    waiting_ = std::move(kept);
    waiting_lines_ = 0;
    for (const entry& e : waiting_) {
        waiting_lines_ += e.lines;
    }
    taken_ = 0;
    taken_lines_ = 0;
}

} // namespace coropipe::asio
