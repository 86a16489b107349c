// cpprestsdk, included in one place. Boost.Asio (which cpprestsdk pulls in)
// uses std::exchange without including <utility> in C++20 mode.
#pragma once

#include <utility>

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
