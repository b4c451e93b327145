#pragma once

// Everything in coropipe but the Asio runtime (coropipe/asio/...).

#include <coropipe/coroutine.hpp>
#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
