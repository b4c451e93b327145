// p90 FIELD [by KEY[, KEY...]]
#include "grouped.hpp"

namespace coropipe::text {

extern const stage_definition p90_stage = quantile_stage<90>("p90", "p90 FIELD [by KEY[, KEY...]] [every DURATION]",
                                                             "the 90th percentile of FIELD, within 1%, per group, at the end");

} // namespace coropipe::text
