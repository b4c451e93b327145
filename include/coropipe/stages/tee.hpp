#pragma once

#include <coropipe/detail/output_buffer.hpp>
#include <coropipe/detail/search.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <utility>

namespace coropipe {

namespace detail {

/// A descriptor `tee` writes to, closed at destruction if it was opened
/// by `tee(path)`. Move-only. Compiled in lib/tee.cpp (which keeps
/// <fcntl.h> and its `::tee(2)` out of this header).
class tee_file {
public:
    explicit tee_file(int fd, bool owned = false) noexcept : fd_(fd), owned_(owned) {}
    tee_file(tee_file&& other) noexcept : fd_(std::exchange(other.fd_, -1)), owned_(other.owned_) {}
    tee_file& operator=(tee_file&&) = delete;
    ~tee_file();

    /// Opens (creates, truncates) `path` for writing; `std::system_error`
    /// naming the file if it cannot.
    static tee_file open(const std::string& path);

    int fd() const noexcept { return fd_; }

private:
    int fd_;
    bool owned_;
};

/// Writes each line + '\n' to `file`, then passes it on. The buffer is a
/// local: it is flushed (destroyed) before the parameter `file` closes.
inline stage<std::string_view> tee_stage(tee_file file) {
    output_buffer out(file.fd(), false);
    while (std::string_view* line = co_await input) {
        out.append(*line);
        out.end_line();
        co_yield *line;
    }
    out.flush(); // here, not only in the destructor, so that errors surface
}

struct tee_fn {
    /// `tee(path)`: opens the file now (errors are thrown here).
    stage<std::string_view> operator()(const std::string& path) const { return tee_stage(tee_file::open(path)); }
    /// `tee(fd)`: writes to a descriptor, which stays open.
    stage<std::string_view> operator()(int fd) const { return tee_stage(tee_file(fd)); }
    stage<std::string_view> operator()(const char* path) const { return (*this)(std::string(path)); }

    /// `tee(source, file)` is `source | tee(file)`.
    template <line_range Source, class File>
        requires std::invocable<const tee_fn&, File>
    auto operator()(Source&& source, File&& file) const {
        return std::forward<Source>(source) | (*this)(std::forward<File>(file));
    }
};

} // namespace detail

/// Passes every line through unchanged and also writes it, followed by
/// '\n', to a file (Unix `tee`): a copy of the stream at this point of the
/// pipeline.
///
/// ```
/// lines(log) | grep("ERROR") | tee("errors.txt") | count(final_only) | print();
/// ```
///
/// - `tee(path)`: creates or truncates `path` (mode 0666 less the umask) and
///   closes it when the stage is destroyed. The file is opened eagerly, in
///   the `tee(...)` call: a failure throws `std::system_error` naming the
///   file there, before anything runs.
/// - `tee(fd)`: writes to an open descriptor, which is never closed.
/// - `tee(source, file)` is `source | tee(file)`.
///
/// Lazy: pulls from upstream only when downstream asks; each line is
/// written (into a 64 KiB buffer, see `print`) before it is passed on, and
/// downstream gets the upstream's line itself. The buffer is written when
/// full and at the end of the input; a write error there surfaces as
/// `std::system_error` at the consumer's resume point. Destroying the stage
/// early (downstream stopped, an exception) still writes every line it
/// passed on, ignoring write errors, then closes the file. Exceptions from
/// upstream surface at the consumer with their own type.
///
/// Write it qualified, `coropipe::tee`: glibc's <fcntl.h> declares a
/// function `::tee` (tee(2)), which a `using coropipe::tee;` conflicts with.
inline constexpr detail::tee_fn tee{};

} // namespace coropipe
