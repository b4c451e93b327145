// p95 FIELD [by KEY[, KEY...]]
#include "grouped.hpp"

namespace coropipe::text {

extern const stage_definition p95_stage = quantile_stage<95>("p95", "p95 FIELD [by KEY[, KEY...]] [every DURATION]",
                                                             "the 95th percentile of FIELD, within 1%, per group, at the end");

} // namespace coropipe::text
