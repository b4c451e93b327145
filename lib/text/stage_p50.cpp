// p50 FIELD [by KEY[, KEY...]]
#include "grouped.hpp"

namespace coropipe::text {

extern const stage_definition p50_stage = quantile_stage<50>("p50", "p50 FIELD [by KEY[, KEY...]] [every DURATION]",
                                                             "the median (50th percentile) of FIELD, within 1%, per group, at the end");

} // namespace coropipe::text
