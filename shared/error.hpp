// Expected outcomes as values: a code a program can switch on and a message a
// person can act on. Exceptions are for bugs and I/O faults only, and never
// cross a thread, a callback or the HTTP boundary.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gw {

enum class Code {
  ok = 0,
  invalid,          // malformed input: bad JSON, wrong shape
  unknown_table,
  unknown_column,
  bad_type,
  too_long,
  bad_enum,
  missing,          // a required column or field is absent
  immutable,        // a write to an immutable column after creation
  forbidden,        // role or scope does not allow it
  unauthorized,     // no or bad credentials
  conflict,         // concurrent writes the policy cannot settle alone
  quarantined,      // written after the author's right had ended
  not_found,
  state,            // the current state forbids it
  version_mismatch, // schema or protocol version differs
  offline,
  too_large,
  throttled,
  revoked,          // the device was revoked by an admin: it must wipe its data
  io,               // storage or network fault
  internal,
};

// What a code means at either end, from one table (error.cpp): the server
// answers with its HTTP status, the tablet shows its message and decides
// whether to try again, the translations hold its words.
struct CodeInfo {
  Code code;
  std::string_view name;  // on the wire: {"error":{"code":NAME,...}}
  int http_status;        // what the server answers with
  bool retry;             // a fault, not a verdict: the device sends the same again later
};
const CodeInfo& code_info(Code c);

std::string_view code_name(Code c);
// The Code named by code_name, or Code::internal for an unknown name.
Code code_from_name(std::string_view name);
int http_status(Code c);
bool retry_later(Code c);
// The key of the code's words on the tablet: "error.NAME" (assets/i18n).
std::string message_key(Code c);

struct Error {
  Code code = Code::internal;
  std::string message;

  Error() = default;
  Error(Code c, std::string msg) : code(c), message(std::move(msg)) {}
  std::string to_string() const;
};

// Status: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)), ok_(false) {}
  static Status ok() { return {}; }

  explicit operator bool() const { return ok_; }
  bool is_ok() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  Code code() const { return ok_ ? Code::ok : error_.code; }

 private:
  Error error_;
  bool ok_ = true;
};

// Result<T>: a value, or an Error. (std::expected arrives with C++23.)
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  Result(Status s) : v_(s.error()) {}

  explicit operator bool() const { return v_.index() == 0; }
  bool is_ok() const { return v_.index() == 0; }

  T& value() & { assert(is_ok()); return std::get<0>(v_); }
  const T& value() const& { assert(is_ok()); return std::get<0>(v_); }
  T&& value() && { assert(is_ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!is_ok()); return std::get<1>(v_); }
  Status status() const { return is_ok() ? Status{} : Status{error()}; }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(Code c, std::string msg) { return Error{c, std::move(msg)}; }

}  // namespace gw
