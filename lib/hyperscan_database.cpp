#include "hyperscan_database.hpp"

#include <hs.h>

#include <array>
#include <atomic>
#include <cstdlib>

namespace coropipe::detail {

namespace {

std::atomic<std::uint64_t> last_id{0};

// A thread's scratch space and the databases it is known to fit (it only
// grows, so it keeps fitting them): a few, the ones in use.
struct scratch_cache {
    hs_scratch_t* scratch = nullptr;
    std::array<std::uint64_t, 8> fits{}; // database ids; 0: none
    std::size_t next = 0;

    scratch_cache() = default;
    scratch_cache(const scratch_cache&) = delete;
    scratch_cache& operator=(const scratch_cache&) = delete;
    ~scratch_cache() { hs_free_scratch(scratch); }
};

thread_local scratch_cache cache;

} // namespace

hyperscan_database::hyperscan_database(hs_database* database, bool ordered) noexcept
    : database_(database),
      ordered_(ordered),
      id_(++last_id) {}

hyperscan_database::~hyperscan_database() { hs_free_database(database_); }

std::unique_ptr<hyperscan_database> hyperscan_database::compile(const std::string& engine_pattern, bool can_match_empty,
                                                                bool multi_line) {
    static const bool platform = hs_valid_platform() == HS_SUCCESS;
    if (!platform) {
        return nullptr;
    }
    const unsigned flags = (multi_line ? HS_FLAG_MULTILINE : 0u) | (can_match_empty ? HS_FLAG_ALLOWEMPTY : 0u);
    hs_compile_error_t* error = nullptr;
    hs_expr_info_t* info = nullptr;
    if (hs_expression_info(engine_pattern.c_str(), flags, &info, &error) != HS_SUCCESS) {
        hs_free_compile_error(error); // e.g. "Pattern is too large": RE2 searches instead
        return nullptr;
    }
    const bool ordered = info->unordered_matches == 0;
    std::free(info); // allocated with Hyperscan's default allocator, malloc
    hs_database_t* database = nullptr;
    if (hs_compile(engine_pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &database, &error) != HS_SUCCESS) {
        hs_free_compile_error(error);
        return nullptr;
    }
    return std::unique_ptr<hyperscan_database>(new hyperscan_database(database, ordered));
}

hs_scratch* thread_scratch(const hyperscan_database& db) noexcept {
    scratch_cache& c = cache;
    for (const std::uint64_t id : c.fits) {
        if (id == db.id()) {
            return c.scratch;
        }
    }
    if (hs_alloc_scratch(db.get(), &c.scratch) != HS_SUCCESS) {
        return nullptr;
    }
    c.fits[c.next++ % c.fits.size()] = db.id();
    return c.scratch;
}

} // namespace coropipe::detail
