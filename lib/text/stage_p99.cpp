// p99 FIELD [by KEY[, KEY...]]
#include "grouped.hpp"

namespace coropipe::text {

extern const stage_definition p99_stage = quantile_stage<99>("p99", "p99 FIELD [by KEY[, KEY...]] [every DURATION]",
                                                             "the 99th percentile of FIELD, within 1%, per group, at the end");

} // namespace coropipe::text
