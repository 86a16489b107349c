// The admins' conflict review (冲突审核, DESIGN §7). The queue: open
// conflicts oldest first, filtered by kind, record type, device, age and
// grid, each with both values, who wrote them where and when; decided in
// bulk under the filter (keep the first value, take the later one; accept or
// refuse quarantined patches), after a confirmation naming the count. A
// record: its fields side by side with the contested ones marked, a choice
// per contested field (base, first, later, a new value; a status conflict
// only first or later; a quarantined patch accept or refuse), sent in one
// go, the record's photos (a contested case's evidence), and the record's
// history from the server. Other roles see their own refused and
// quarantined records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class ConflictsScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::conflicts; }
  // Admins review conflicts; everyone else sees their own sync problems.
  std::string_view title_key() const override { return admin_ ? "conflicts.title" : "conflicts.problems_title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  enum class View { queue, record };
  // Decisions waiting for their confirmation.
  struct Ask {
    std::string title, text, yes;
    bool danger = false;
    std::vector<ConflictDecision> decisions;
  };

  void reload(Frame& f);
  void filters(Frame& f, const ConflictQueue* q);
  void kind_chips(Frame& f, const ConflictQueue* q);
  void combos(Frame& f, const ConflictQueue* q);
  void bulk_bar(Frame& f, const ConflictQueue& q);
  void queue_list(Frame& f, const ConflictQueue& q);
  void open_record(Frame& f, const ConflictItem& c);

  void record_view(Frame& f);
  void record_header(Frame& f, const RecordConflicts* r);
  void quarantine_block(Frame& f, const ConflictItem& c, size_t index);
  void field_block(Frame& f, const RecordConflicts& r, const RecordField& field, size_t index);
  void choices(Frame& f, const ConflictItem& c, size_t index);
  void decided_line(Frame& f, const ConflictItem& c);
  void submit_bar(Frame& f, const RecordConflicts* r, float width);
  void record_photos(Frame& f, const RecordConflicts& r);
  void history_panel(Frame& f);

  void confirm(Frame& f);
  void probe_state(Frame& f);

  View view_ = View::queue;
  ConflictFilter filter_;
  std::string age_ = "any";     // any | day | week: the filter's min_age_ms
  std::string table_, row_id_;  // the record open in the record view
  std::map<std::string, ConflictChoice> picks_;  // by conflict id: the choice made
  std::map<std::string, std::string> customs_;   // by conflict id: a new value as typed
  bool admin_ = false;
  bool viewing_ = false;  // one of the record's pictures is up: coming back keeps the record and its choices
  std::string probe_choices_;  // this frame's open conflicts by choice index: "3:review:ID,..."

  std::optional<Ask> ask_;
};

}  // namespace gw::client::ui
