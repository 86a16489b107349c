#include "shared/json.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace gw {

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

Json& Json::set(std::string key, Json value) {
  if (!is_object()) v_ = Object{};
  for (auto& [k, v] : as_object())
    if (k == key) return v = std::move(value);
  return as_object().emplace_back(std::move(key), std::move(value)).second;
}

// ---- UTF-8 ---------------------------------------------------------------

namespace {

// Length of the UTF-8 sequence at s[i], or 0 when it is not well-formed.
size_t utf8_seq(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned cp;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr unsigned kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_seq(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// ---- parser ----------------------------------------------------------------

namespace {

class Parser {
 public:
  Parser(std::string_view text, JsonLimits limits) : s_(text), lim_(limits) {}

  Result<Json> run() {
    Json v;
    if (!value(v, 0)) return fail();
    ws();
    if (i_ != s_.size()) { err_ = "unexpected text after the JSON value"; return fail(); }
    return v;
  }

 private:
  Error fail() const {
    return Error{Code::invalid, "malformed JSON at byte " + std::to_string(i_) + ": " + err_};
  }
  bool bad(const char* msg) { err_ = msg; return false; }

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return bad("unknown literal");
    i_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (depth > lim_.max_depth) return bad("nested too deeply");
    ws();
    if (i_ >= s_.size()) return bad("unexpected end");
    switch (s_[i_]) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': {
        std::string str;
        if (!string(str)) return false;
        out = Json(std::move(str));
        return true;
      }
      case 't': out = Json(true); return literal("true");
      case 'f': out = Json(false); return literal("false");
      case 'n': out = Json(nullptr); return literal("null");
      default: return number(out);
    }
  }

  bool object(Json& out, int depth) {
    ++i_;
    Json::Object obj;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') { ++i_; out = Json(std::move(obj)); return true; }
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return bad("expected a key");
      std::string key;
      if (!string(key)) return false;
      for (const auto& kv : obj)
        if (kv.first == key) return bad("duplicate key");
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return bad("expected ':'");
      ++i_;
      Json v;
      if (!value(v, depth + 1)) return false;
      obj.emplace_back(std::move(key), std::move(v));
      ws();
      if (i_ >= s_.size()) return bad("unexpected end in object");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == '}') { ++i_; break; }
      return bad("expected ',' or '}'");
    }
    out = Json(std::move(obj));
    return true;
  }

  bool array(Json& out, int depth) {
    ++i_;
    Json::Array arr;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') { ++i_; out = Json(std::move(arr)); return true; }
    for (;;) {
      Json v;
      if (!value(v, depth + 1)) return false;
      arr.push_back(std::move(v));
      ws();
      if (i_ >= s_.size()) return bad("unexpected end in array");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == ']') { ++i_; break; }
      return bad("expected ',' or ']'");
    }
    out = Json(std::move(arr));
    return true;
  }

  bool hex4(unsigned& cp) {
    if (i_ + 4 > s_.size()) return bad("short \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') cp |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') cp |= static_cast<unsigned>(c - 'A' + 10);
      else return bad("bad hex digit in \\u escape");
    }
    return true;
  }

  bool string(std::string& out) {
    ++i_;  // opening quote
    for (;;) {
      // Copy the run of plain bytes in one go: most strings have no escapes.
      size_t start = i_;
      while (i_ < s_.size()) {
        auto c = static_cast<unsigned char>(s_[i_]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c < 0x80) { ++i_; continue; }
        size_t n = utf8_seq(s_, i_);
        if (n == 0) return bad("invalid UTF-8 in string");
        i_ += n;
      }
      out.append(s_.data() + start, i_ - start);
      if (out.size() > lim_.max_string) return bad("string too long");
      if (i_ >= s_.size()) return bad("unterminated string");
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') return bad("control character in string");
      if (i_ >= s_.size()) return bad("unterminated escape");
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return bad("lone surrogate");
            i_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return bad("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return bad("lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: return bad("unknown escape");
      }
    }
  }

  bool number(Json& out) {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !isdigit(s_[i_])) return bad("unexpected character");
    if (s_[i_] == '0' && i_ + 1 < s_.size() && isdigit(s_[i_ + 1])) return bad("leading zero");
    while (i_ < s_.size() && isdigit(s_[i_])) ++i_;
    bool integral = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      if (i_ >= s_.size() || !isdigit(s_[i_])) return bad("digit expected after '.'");
      while (i_ < s_.size() && isdigit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !isdigit(s_[i_])) return bad("digit expected in exponent");
      while (i_ < s_.size() && isdigit(s_[i_])) ++i_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + i_;
    if (integral) {
      int64_t v;
      auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) { out = Json(v); return true; }
    }
    double d;
    auto r = std::from_chars(b, e, d);
    if (r.ec != std::errc() || r.ptr != e || !std::isfinite(d)) return bad("number out of range");
    out = Json(d);
    return true;
  }

  static bool isdigit(char c) { return c >= '0' && c <= '9'; }

  std::string_view s_;
  JsonLimits lim_;
  size_t i_ = 0;
  const char* err_ = "";
};

}  // namespace

Result<Json> parse_json(std::string_view text, JsonLimits limits) {
  return Parser(text, limits).run();
}

// ---- writer ----------------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void Json::dump_to(std::string& out) const {
  switch (kind()) {
    case Kind::null: out += "null"; break;
    case Kind::boolean: out += as_bool() ? "true" : "false"; break;
    case Kind::integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, as_int());
      out.append(buf, r.ptr);
      break;
    }
    case Kind::real: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v_));
      out.append(buf, r.ptr);
      // Keep a real a real when read back: 3.0 prints as "3" otherwise.
      if (std::string_view(buf, static_cast<size_t>(r.ptr - buf)).find_first_of(".e") == std::string_view::npos)
        out += ".0";
      break;
    }
    case Kind::string: append_json_string(out, as_string()); break;
    case Kind::array: {
      out += '[';
      bool first = true;
      for (const auto& v : as_array()) {
        if (!first) out += ',';
        first = false;
        v.dump_to(out);
      }
      out += ']';
      break;
    }
    case Kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : as_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, k);
        out += ':';
        v.dump_to(out);
      }
      out += '}';
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

}  // namespace gw
