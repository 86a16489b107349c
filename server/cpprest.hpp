// cpprestsdk's listener and thread pool, included in one place (the
// gridwork_cpprest target supplies what its headers forget, see CMakeLists).
#pragma once

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
