// The one schema. Every synced table is a TableSpec; DDL, JSON codecs and
// write checks are derived from these specs and restated nowhere else.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "shared/error.hpp"
#include "shared/roles.hpp"

namespace gw {

// Bumped on any change to the specs below. Columns are only ever appended
// to a table's spec, never removed or reordered: a store of an older version
// then gains the new columns on open (sync/row_store), its packed clocks and
// unsynced records intact; a store of a newer version is refused.
inline constexpr int kSchemaVersion = 6;  // 2: cases.last_action, status_note, deferred, closed_at
                                          // 3: conflicts.author_id, device, opened_at; grid buckets
                                          // 4: reveals (a masked number shown in clear, audited)
                                          // 5: attachments (evidence photos by name)
                                          // 6: fixes on records, tracks, checkins, points (issue 23)

enum class ColType : uint8_t { text, integer, real, boolean, json };

// How concurrent writes to a column merge (DESIGN §3).
enum class Merge : uint8_t {
  lww,        // last writer (by HLC, then origin) wins
  review,     // lww, and a concurrent overwrite opens a conflict for an admin
  state,      // workflow precedence decides; incompatible moves open a conflict
  immutable,  // set at creation; later writes are rejected
};

// Which bucket a row belongs to (DESIGN §4).
enum class BucketRule : uint8_t {
  global,  // "global": reference data every user reads
  grid,    // "grid:<bucket_column>"
  user,    // "user:<bucket_column>"
  admins,  // "role:admin": conflicts of schema version 2 (now grid-bucketed)
};

// How a number is shown to roles that do not need it (DESIGN §8): masked
// in views, revealed one at a time as an audited action (shared/mask.hpp).
enum class Mask : uint8_t {
  none,
  phone,      // first 3 and last 4 kept: 138****5678
  id_number,  // first 4 and last 4 kept: 3505**********1234
};

using TextCheck = bool (*)(std::string_view);
// A rule that says what is wrong (a track's count against its limit), for
// values a yes/no check would leave the writer guessing about.
using TextVerify = Status (*)(std::string_view);

struct ColumnSpec {
  std::string_view name;
  ColType type = ColType::text;
  Merge merge = Merge::lww;
  bool required = false;  // must be present and non-null when a row is created
  bool pii = false;       // personal data: encrypted on devices, masked in views
  // Holds copies of other columns' values (a conflict's sides, a notice's
  // words), personal data among them: sealed on devices as pii is.
  bool copies = false;
  uint32_t max_len = 0;   // text: code points; json: bytes; 0: the type's default
  std::span<const std::string_view> one_of{};  // allowed values of an enum text
  TextCheck check = nullptr;                   // extra rule for a text value
  std::string_view check_what{};               // what check wants, for messages
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  RoleSet writers{};  // empty: the table's writers
  Mask mask = Mask::none;
  TextVerify verify = nullptr;  // text and json: the value's own rule, with its reason

  // Builders, so the tables below read like a data sheet.
  constexpr ColumnSpec req() const { auto c = *this; c.required = true; return c; }
  constexpr ColumnSpec personal() const { auto c = *this; c.pii = true; return c; }
  constexpr ColumnSpec holds_copies() const { auto c = *this; c.copies = true; return c; }
  constexpr ColumnSpec review() const { auto c = *this; c.merge = Merge::review; return c; }
  constexpr ColumnSpec state() const { auto c = *this; c.merge = Merge::state; return c; }
  constexpr ColumnSpec fixed() const { auto c = *this; c.merge = Merge::immutable; return c; }
  constexpr ColumnSpec len(uint32_t n) const { auto c = *this; c.max_len = n; return c; }
  constexpr ColumnSpec in(std::span<const std::string_view> v) const { auto c = *this; c.one_of = v; return c; }
  constexpr ColumnSpec range(int64_t lo, int64_t hi) const { auto c = *this; c.min = lo; c.max = hi; return c; }
  constexpr ColumnSpec only(RoleSet r) const { auto c = *this; c.writers = r; return c; }
  constexpr ColumnSpec masked(Mask m) const { auto c = *this; c.mask = m; return c; }
  constexpr ColumnSpec verified(TextVerify f) const { auto c = *this; c.verify = f; return c; }
  constexpr ColumnSpec checked(TextCheck f, std::string_view what) const {
    auto c = *this; c.check = f; c.check_what = what; return c;
  }

  uint32_t limit() const;
  // Sealed at rest on a device (DESIGN §8): the one rule every store of a
  // device asks, so a new table is sealed by its spec, not by its writers.
  constexpr bool sealed() const { return pii || copies; }
};

struct TableSpec {
  std::string_view name;
  std::span<const ColumnSpec> columns;  // all but `id`, which every table has
  BucketRule bucket = BucketRule::global;
  std::string_view bucket_column{};     // for grid and user buckets
  RoleSet writers{};                    // roles that may create and edit rows
  int priority = 5;                     // upload order: lower goes first
  // User-bucketed rows only their own user writes, whatever the role: an
  // audit record nobody may write in another's name, not even the office.
  bool own_rows_only = false;

  // Index of a column, or -1.
  int index_of(std::string_view column) const;
  const ColumnSpec* find(std::string_view column) const;
  int bucket_index() const { return bucket_column.empty() ? -1 : index_of(bucket_column); }
  bool has_pii() const;  // a column holds personal data
};

std::span<const TableSpec> all_tables();
const TableSpec* find_table(std::string_view name);
// Index in all_tables(), stable for a schema version.
int table_index(const TableSpec& t);

std::string_view type_name(ColType t);
std::string_view merge_name(Merge m);

}  // namespace gw
