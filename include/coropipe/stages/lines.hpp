#pragma once

#include <coropipe/generator.hpp>

#include <filesystem>
#include <iosfwd>
#include <string_view>
#include <utility>

namespace coropipe {

namespace detail {

// Defined in lib/line_reader.cpp; the reading and splitting is
// detail::line_reader (coropipe/detail/line_reader.hpp).
generator<std::string_view> lines_from_fd(int fd);
generator<std::string_view> lines_from_stream(std::istream& in);
generator<std::string_view> lines_from_path(std::filesystem::path path);

struct lines_fn {
    /// The lines of an open descriptor, read with read(2); `fd` is not closed.
    generator<std::string_view> operator()(int fd) const { return lines_from_fd(fd); }

    /// The lines of a stream, read with istream::read in 64 KiB chunks.
    generator<std::string_view> operator()(std::istream& in) const { return lines_from_stream(in); }

    /// The lines of the file at `path` (also a std::string or const char*).
    generator<std::string_view> operator()(std::filesystem::path path) const {
        return lines_from_path(std::move(path));
    }
};

} // namespace detail

/// A source: the lines of a file, descriptor or stream, Python's
/// `for line in open(path)` without the newline.
///
/// ```
/// for (std::string_view line : coropipe::lines("access.log")) ...
/// coropipe::lines(std::cin) | coropipe::grep("error") | coropipe::print();
/// ```
///
/// - Each line is a `std::string_view` into the reader's buffer, valid until
///   the next increment: nothing is allocated per line. Copy it to keep it.
/// - Byte-exact, like GNU grep: only the '\n' is stripped. CRLF lines keep
///   their \r. NUL bytes and invalid UTF-8 pass unchanged. A last line
///   without a newline is yielded; empty input yields nothing.
/// - Input is read in chunks of 64 KiB (`read(2)` for a descriptor
///   or path, retrying EINTR; `istream::read` for a stream) and split with
///   memchr. Lines of any length work; memory is bounded by the longest
///   line, not by the input.
/// - Lazy: nothing is opened or read until the first `begin()`. Open and
///   read errors surface from `begin()` or `++` as `std::system_error`
///   carrying the errno, with the path (or "fd N") in what().
/// - `lines(path)` owns the descriptor it opens and closes it when the
///   generator is destroyed, at the end or early. `lines(fd)` and
///   `lines(stream)` only reference their input, which must outlive the
///   generator, and never close it.
/// - A stream is read with `istream::read`, which waits for a whole chunk:
///   for interactive input use `lines(0)` (read(2) returns what is there).
inline constexpr detail::lines_fn lines{};

} // namespace coropipe
