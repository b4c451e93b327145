#pragma once

#include <coropipe/detail/output_buffer.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <concepts>
#include <functional>
#include <ostream>
#include <string_view>
#include <type_traits>

namespace coropipe {

/// How `print` buffers its output.
enum class buffering {
    full, ///< 64 KiB at a time (and at the end): the fast default
    line, ///< after every element: for interactive output and logs
};

/// `print(out, coropipe::line_buffered)`: flush after every element.
inline constexpr buffering line_buffered = buffering::line;

namespace detail {

// Numbers printed by std::to_chars; characters and bool go through
// operator<<, as iostreams print them.
template <class T>
concept to_chars_number =
    std::floating_point<T> ||
    (std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, signed char> &&
     !std::same_as<T, unsigned char> && !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
     !std::same_as<T, char16_t> && !std::same_as<T, char32_t>);

} // namespace detail

/// What `print` can write: text (anything convertible to std::string_view),
/// a number, or anything with `operator<<`.
template <class T>
concept printable = std::convertible_to<const T&, std::string_view> || detail::to_chars_number<T> ||
                    requires(std::ostream& os, const T& value) { os << value; };

namespace detail {

template <class T>
void print_element(output_buffer& out, const T& value) {
    if constexpr (std::same_as<T, char>) {
        out.put(value);
    } else if constexpr (std::convertible_to<const T&, std::string_view>) {
        out.append(std::string_view(value)); // the fast path: bytes into the buffer
    } else if constexpr (to_chars_number<T>) {
        out.append_number(value);
    } else {
        out.formatter() << value;
    }
}

// Target: int (a descriptor) or std::reference_wrapper<std::ostream>, which
// the coroutine keeps by value.
template <class In, class Target>
sink<In> print_stage(Target target, buffering mode) {
    output_buffer out(target, mode == buffering::line);
    while (In* value = co_await input) {
        print_element(out, *value);
        out.end_line();
    }
    out.flush(); // here, not in the destructor, so that errors surface
}

} // namespace detail

/// The sink behind `print`, for push mode: writes each element sent to it,
/// followed by '\n', to `out`.
///
/// ```
/// auto s = coropipe::print_to<std::string_view>(std::cout);
/// s.send("hello");
/// s.close(); // flushes; a write error is thrown here
/// ```
///
/// Lazy: nothing happens before the first `send`. Buffered (see `print`);
/// `close()` flushes, and destroying the sink without `close()` still writes
/// what it accepted (ignoring errors). `out` is referenced, not owned.
template <printable In>
sink<In> print_to(std::ostream& out, buffering mode = buffering::full) {
    return detail::print_stage<In>(std::ref(out), mode);
}

/// `print_to` for a file descriptor (default: standard output). The
/// descriptor is written with write(2) and never closed.
template <printable In>
sink<In> print_to(int fd = 1, buffering mode = buffering::full) {
    return detail::print_stage<In>(fd, mode);
}

namespace detail {

struct print_fn {
    /// Prints to a stream, which must outlive the pipeline.
    auto operator()(std::ostream& out, buffering mode = buffering::full) const {
        return make_closure([out = &out, mode]<printable In>() { return print_to<In>(*out, mode); });
    }
    /// Prints to a descriptor, which stays open.
    auto operator()(int fd, buffering mode = buffering::full) const {
        return make_closure([fd, mode]<printable In>() { return print_to<In>(fd, mode); });
    }
    /// Prints to standard output (fd 1).
    auto operator()(buffering mode = buffering::full) const { return (*this)(1, mode); }
};

} // namespace detail

/// A sink: writes each element followed by '\n', Python's `print(x)`.
///
/// ```
/// coropipe::lines("in.txt") | coropipe::grep("error") | coropipe::print();
/// coropipe::lines(std::cin) | coropipe::print(std::cout, coropipe::line_buffered);
/// ```
///
/// - Elements: text (anything convertible to std::string_view, copied
///   straight into the buffer), numbers in `std::to_chars`' shortest form
///   (`0.1`, `1e+100`, `-42`), anything else with `operator<<`.
/// - Output goes through a 64 KiB buffer, written when full and at the end
///   of the input; with `coropipe::line_buffered`, after every element.
///   A descriptor (`print(fd)`, `print()` = fd 1) is written with write(2),
///   looping over partial writes and retrying EINTR; an ostream with
///   `write()` and is flushed at the end.
/// - Eager once piped: `source | print(...)` runs the pipeline to its end
///   inside the `|`. Exceptions from upstream, and write errors as
///   `std::system_error` keeping the errno (EPIPE when the reader went away
///   and SIGPIPE is ignored: a CLI can exit quietly), come out of the `|`.
/// - Early destruction (an exception upstream, a push-mode sink destroyed
///   without `close()`) still writes everything the sink accepted.
/// - The stream or descriptor is referenced, not owned or closed.
///
/// For push mode (`send`), see `print_to`.
inline constexpr detail::print_fn print{};

} // namespace coropipe
