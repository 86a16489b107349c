#include "sync/core/patch.hpp"

#include <charconv>

#include "shared/codec.hpp"
#include "shared/uuid.hpp"

namespace gw::sync {

HlcTime Patch::base_of(uint16_t col) const {
  for (const auto& [c, h] : base)
    if (c == col) return h;
  return 0;
}

const Value* Patch::value_of(uint16_t col) const {
  for (const auto& f : set)
    if (f.col == col) return &f.value;
  return nullptr;
}

namespace {

Error bad(std::string msg) { return Error{Code::invalid, std::move(msg)}; }

const std::string* string_field(const Json& j, std::string_view key) {
  const Json* v = j.find(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

}  // namespace

Result<Patch> decode_patch(const Json& j, PatchFrom from) {
  if (!j.is_object()) return bad("a patch must be an object");
  Patch p;
  const auto* id = string_field(j, "id");
  if (id && is_uuid_text(*id)) p.id = *id;
  else if (id || from == PatchFrom::push) return bad("patch 'id' must be a UUID");
  auto fail = [&](Code c, const std::string& m) { return Error{c, "patch " + p.id + ": " + m}; };

  const auto* table = string_field(j, "table");
  if (!table) return fail(Code::invalid, "'table' must be a string");
  p.table = find_table(*table);
  if (!p.table) return fail(Code::unknown_table, "unknown table '" + *table + "'");

  const auto* row = string_field(j, "row");
  if (!row || !is_uuid_text(*row)) return fail(Code::invalid, "'row' must be a UUID");
  p.row = *row;

  const Json* hlc = j.find("hlc");
  if (!hlc || !hlc->is_int() || hlc->as_int() <= 0) return fail(Code::invalid, "'hlc' must be a positive integer");
  p.hlc = hlc->as_int();

  const auto* origin = string_field(j, "origin");
  if (!origin || origin->empty() || origin->size() > kMaxOriginBytes || !valid_utf8(*origin))
    return fail(Code::invalid, "'origin' must be a device id of 1 to 64 bytes");
  p.origin = *origin;

  if (const Json* cycle = j.find("cycle")) {
    if (!cycle->is_int() || cycle->as_int() < 0 || cycle->as_int() > 1'000'000)
      return fail(Code::invalid, "'cycle' must be a small non-negative integer");
    p.cycle = static_cast<uint32_t>(cycle->as_int());
  }

  const Json* set = j.find("set");
  if (!set || !set->is_object() || set->as_object().empty())
    return fail(Code::invalid, "'set' must be an object naming at least one column");
  auto fields = decode_fields(*p.table, *set);
  if (!fields) return fail(fields.error().code, fields.error().message);
  p.set = std::move(*fields);

  if (const Json* base = j.find("base")) {
    if (!base->is_object()) return fail(Code::invalid, "'base' must be an object");
    for (const auto& [name, v] : base->as_object()) {
      int col = p.table->index_of(name);
      if (col < 0) return fail(Code::unknown_column, "'base' names unknown column '" + name + "'");
      if (!v.is_int() || v.as_int() < 0) return fail(Code::invalid, "'base." + name + "' must be an HLC");
      p.base.emplace_back(static_cast<uint16_t>(col), v.as_int());
    }
  }
  if (from == PatchFrom::pull) {
    const auto* bucket = string_field(j, "bucket");
    const Json* seq = j.find("seq");
    // An empty bucket names none (and would not survive a re-encode: the
    // encoder writes a bucket only when there is one; found by fuzz-pull).
    if (!bucket || bucket->empty() || !seq || !seq->is_int() || seq->as_int() <= 0)
      return fail(Code::invalid, "a pulled patch needs a 'bucket' and a positive 'seq'");
    p.bucket = *bucket;
    p.seq = seq->as_int();
  }
  return p;
}

namespace {
void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
}  // namespace

void encode_patch(const Patch& p, std::string& out) {
  out += '{';
  if (!p.id.empty()) {
    out += "\"id\":";
    append_json_string(out, p.id);
    out += ',';
  }
  out += "\"table\":";
  append_json_string(out, p.table->name);
  out += ",\"row\":";
  append_json_string(out, p.row);
  out += ",\"hlc\":";
  append_int(out, p.hlc);
  out += ",\"origin\":";
  append_json_string(out, p.origin);
  if (p.cycle) {
    out += ",\"cycle\":";
    append_int(out, p.cycle);
  }
  out += ",\"set\":{";
  bool first = true;
  for (const auto& f : p.set) {
    if (!first) out += ',';
    first = false;
    const auto& c = p.table->columns[f.col];
    append_json_string(out, c.name);
    out += ':';
    encode_value_to(c, f.value, out);
  }
  out += '}';
  if (!p.base.empty()) {
    out += ",\"base\":{";
    first = true;
    for (const auto& [col, h] : p.base) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, p.table->columns[col].name);
      out += ':';
      append_int(out, h);
    }
    out += '}';
  }
  if (!p.bucket.empty()) {
    out += ",\"bucket\":";
    append_json_string(out, p.bucket);
  }
  if (p.seq) {
    out += ",\"seq\":";
    append_int(out, p.seq);
  }
  out += '}';
}

std::string encode_patch(const Patch& p) {
  std::string out;
  encode_patch(p, out);
  return out;
}

}  // namespace gw::sync
