#pragma once

// Everything in coropipe but the Asio runtime (coropipe/asio/...).

#include <coropipe/coroutine.hpp>
#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/broadcast.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/prefix.hpp>
#include <coropipe/stages/print.hpp>
#include <coropipe/stages/running_min.hpp>
#include <coropipe/stages/take.hpp>
