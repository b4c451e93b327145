#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::asio {

/// What a spool found in its file when it was opened.
struct spool_recovery {
    std::uint64_t records = 0;         ///< kept, to be replayed
    std::uint64_t lines = 0;           ///< in those records
    std::uint64_t bad_records = 0;     ///< dropped: their checksum did not match
    std::uint64_t bad_lines = 0;       ///< as their headers said (a damaged header may say wrong)
    std::uint64_t torn_bytes = 0;      ///< dropped: a last record cut short (a crash mid-append), or garbage
};

/// An append-only file of records of output (whole lines), where a sink
/// keeps what it cannot write now: replayed in order later, also by the
/// next process that opens the file.
///
/// - **Format** (docs/asio.md, "spool"): each record is a 20-byte header —
///   magic `CPS1`, a state word (0 waiting, 1 replayed), the payload's
///   length, its line count, a CRC-32 of length, count and payload, all
///   little-endian — then the payload. Records are only appended; the one
///   change in place is a replayed record's state word. When no record is
///   waiting the file is emptied.
/// - **Opening** scans the file: waiting records are kept in order; a record
///   whose checksum does not match is skipped and counted; a last record
///   cut short (torn tail) or bytes that are no record end the scan and are
///   cut off the file, counted (`recovered()`).
/// - **Durability**: at least once. A record `take`n and written but not yet
///   `consumed` when the process dies is replayed again.
/// - Created with mode 0600 and locked (flock) while open: a second spool
///   on the same file, in this process or another, is refused.
///   Not thread-safe: its owner serialises calls.
///   Errors throw `std::system_error` naming the file.
class spool {
public:
    /// A record taken for replay: its payload and where it is in the file.
    struct record {
        std::string bytes;
        std::uint64_t lines = 0;
        std::uint64_t offset = 0;
    };

    /// Opens (creates) `path`, locks it and scans it. `max_bytes` bounds the
    /// file. A file in use by another spool throws (EBUSY).
    spool(std::filesystem::path path, std::uint64_t max_bytes);
    spool(const spool&) = delete;
    spool& operator=(const spool&) = delete;
    ~spool();

    const spool_recovery& recovered() const noexcept { return recovered_; }
    const std::filesystem::path& path() const noexcept { return path_; }

    /// Appends a record if the file stays within `max_bytes`: false (and
    /// nothing written) if not. A failed write throws, the file cut back to
    /// its last whole record.
    bool append(std::string_view bytes, std::uint64_t lines);

    /// Records waiting, not yet taken (their lines and payload bytes).
    std::size_t waiting() const noexcept { return waiting_.size(); }
    std::uint64_t waiting_lines() const noexcept { return waiting_lines_; }
    /// Lines in records waiting or taken and not yet consumed.
    std::uint64_t held_lines() const noexcept { return waiting_lines_ + taken_lines_; }

    /// The oldest waiting record, read from the file: it stays in the file
    /// (replayed by the next process if this one dies) until `consumed`.
    std::optional<record> take();

    /// A taken record is written: marked replayed in the file; once none is
    /// waiting or taken, the file is emptied.
    void consumed(const record& r);

    /// At a shutdown: rewrites the file (a new file renamed over it) as
    /// `first`, then the records still waiting; records taken and not
    /// consumed are dropped (the caller passes what is left of them in
    /// `first`). `max_bytes` does not apply: nothing is refused.
    void rewrite(const std::vector<record>& first);

private:
    struct entry {
        std::uint64_t offset;
        std::uint32_t length;
        std::uint32_t lines;
    };
    void scan();
    void write_at_end(std::string_view header, std::string_view payload);
    void empty_if_done();

    std::filesystem::path path_;
    std::uint64_t max_bytes_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::deque<entry> waiting_;
    std::uint64_t waiting_lines_ = 0;
    std::uint64_t taken_ = 0;
    std::uint64_t taken_lines_ = 0;
    spool_recovery recovered_;
};

} // namespace coropipe::asio
