// Seals the personal data a device holds (DESIGN §8). The sync layer knows
// where it sits (the schema's pii columns, the outbox, the shadow) but not
// how it is sealed: the client gives an implementation, the server none.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/schema.hpp"

namespace gw::sync {

class Sealer {
 public:
  virtual ~Sealer() = default;
  // `context` names where the bytes live ("households.phone", "_outbox"): a
  // value sealed for one place does not open in another.
  virtual std::string seal(std::string_view context, std::string_view plain) const = 0;
  // nullopt: not sealed for this context under this key, or the key is gone.
  virtual std::optional<std::string> open(std::string_view context, std::string_view sealed) const = 0;
};

// The context of a pii column's values: "table.column".
inline std::string seal_context(const TableSpec& t, const ColumnSpec& c) {
  return std::string(t.name) + "." + std::string(c.name);
}

}  // namespace gw::sync
