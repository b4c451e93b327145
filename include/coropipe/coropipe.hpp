#pragma once

// Everything in coropipe but the Asio runtime (coropipe/asio/...).

#include <coropipe/coroutine.hpp>
#include <coropipe/error.hpp>
#include <coropipe/fused.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/app.hpp>
#include <coropipe/stages/broadcast.hpp>
#include <coropipe/stages/facility.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/filter.hpp>
#include <coropipe/stages/follow.hpp>
#include <coropipe/stages/format.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/host.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/prefix.hpp>
#include <coropipe/stages/print.hpp>
#include <coropipe/stages/running_min.hpp>
#include <coropipe/stages/severity.hpp>
#include <coropipe/stages/take.hpp>
#include <coropipe/stages/tee.hpp>
#include <coropipe/stages/transform.hpp>
#include <coropipe/stages/uniq.hpp>
#include <coropipe/syslog.hpp>
