#include "client/core/field_actions.hpp"

#include <cmath>

#include "client/core/checklists.hpp"
#include "client/core/conflict_desk.hpp"
#include "client/core/patrol_track.hpp"
#include "shared/categories.hpp"
#include "shared/codec.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "shared/tuning.hpp"
#include "shared/workflow.hpp"

namespace gw::client {
namespace {

const TableSpec& table(std::string_view name) { return *find_table(name); }

Error missing(std::string what) { return Error{Code::missing, std::move(what)}; }

std::string_view mark_name(CheckMark m) {
  switch (m) {
    case CheckMark::ok: return "ok";
    case CheckMark::problem: return "problem";
    case CheckMark::unchecked: break;
  }
  return "";
}

// Every file made into a photo before anything is written: one that is not
// a photo refuses the lot, naming it. A camera's still is one already.
Result<std::vector<Photo>> prepare_files(const std::vector<PhotoSource>& files, int64_t already) {
  if (already + static_cast<int64_t>(files.size()) > tuning::kPhotosPerRecord)
    return Error{Code::too_large, "a record carries at most " + std::to_string(tuning::kPhotosPerRecord) + " photos"};
  std::vector<Photo> out;
  for (const auto& f : files) {
    auto p = prepare_photo_source(f);
    if (!p) return Error{p.error().code, f.path.substr(f.path.find_last_of('/') + 1) + ": " + p.error().message};
    out.push_back(std::move(*p));
  }
  return out;
}

// "张三、李四, 王五" -> ["张三","李四","王五"]: parties are typed as one line.
std::string parties_json(const std::string& text) {
  Json list = Json::array();
  std::string cur;
  auto flush = [&] {
    size_t a = cur.find_first_not_of(' '), b = cur.find_last_not_of(' ');
    if (a != std::string::npos) list.as_array().emplace_back(cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ',' || text[i] == ';') { flush(); ++i; continue; }
    if (text.compare(i, 3, "、") == 0 || text.compare(i, 3, "，") == 0 || text.compare(i, 3, "；") == 0) {
      flush();
      i += 3;
      continue;
    }
    cur += text[i++];
  }
  flush();
  return list.dump();
}

}  // namespace

Result<std::string> FieldActions::start_patrol(const Me& me, const std::string& grid_id) {
  if (grid_id.empty()) return missing("choose the grid to patrol");
  if (!queries_.grids().count(grid_id)) return Error{Code::not_found, "no such grid on this tablet"};
  const auto& t = table("patrols");
  Fields set = fields_of(t, {{"grid_id", grid_id}, {"worker_id", me.user_id}, {"started_at", now()},
                             {"status", "active"}, {"checklist", "[]"}, {"findings", int64_t{0}}});
  if (where_->fix) add_field(set, t, "start_fix", geo::fix_json(*where_->fix));
  return replica_.create(t, set);
}

Status FieldActions::write_checklist(const std::string& patrol_id, const std::string& item, CheckMark mark,
                                     const std::string& note, const std::string& case_id) {
  auto view = queries_.patrol(patrol_id);
  if (!view) return Error{Code::not_found, "no such patrol on this tablet"};
  if (view->status != "active") return Error{Code::state, "this patrol has ended"};
  if (!find_check_item(view->grid_kind, item)) return Error{Code::invalid, "no checklist item " + item};
  Json list = Json::array();
  int findings = 0;
  for (auto& e : view->checklist) {
    if (e.item == item) {
      e.mark = mark;
      e.note = note;
      if (!case_id.empty()) e.case_id = case_id;
    }
    if (!e.case_id.empty()) ++findings;
    if (e.mark == CheckMark::unchecked && e.case_id.empty()) continue;
    Json j = Json::object();
    j.set("item", e.item);
    j.set("mark", std::string(mark_name(e.mark)));
    if (!e.note.empty()) j.set("note", e.note);
    if (!e.case_id.empty()) j.set("case_id", e.case_id);
    list.as_array().push_back(std::move(j));
  }
  const auto& t = table("patrols");
  auto w = replica_.write(t, patrol_id, fields_of(t, {{"checklist", list.dump()}, {"findings", int64_t{findings}}}));
  if (!w) return w.error();
  return Status::ok();
}

Status FieldActions::mark_check(const std::string& patrol_id, const std::string& item, CheckMark mark,
                                const std::string& note) {
  return write_checklist(patrol_id, item, mark, note, "");
}

Result<std::string> FieldActions::report_finding(const Me& me, const std::string& patrol_id, const std::string& item,
                                                 const std::string& note) {
  auto view = queries_.patrol(patrol_id);
  if (!view) return Error{Code::not_found, "no such patrol on this tablet"};
  const CheckItem* check = find_check_item(view->grid_kind, item);
  if (!check) return Error{Code::invalid, "no checklist item " + item};
  for (const auto& e : view->checklist)
    if (e.item == item && !e.case_id.empty()) return e.case_id;  // one finding, one case
  const CategorySpec* cat = find_category(check->category);
  NewCase c;
  c.grid_id = view->grid_id;
  c.category = std::string(check->category);
  c.title = std::string(cat ? cat->name_zh : check->key) + " · " + view->grid_name;
  c.description = note;
  c.source = "patrol";
  c.patrol_id = patrol_id;
  c.fix = where_->fix;  // where the worker stands: flagged when outside the patrol's grid
  sync::Txn txn(replica_.store());  // the case, its log row and the checklist: all or none
  auto id = create_case(me, c);
  if (!id) return id.error();
  if (auto st = write_checklist(patrol_id, item, CheckMark::problem, note, *id); !st) return st.error();
  txn.commit();
  return id;
}

Status FieldActions::end_patrol(const std::string& patrol_id, const std::string& notes, PatrolTrack* running) {
  auto view = queries_.patrol(patrol_id);
  if (!view) return Error{Code::not_found, "no such patrol on this tablet"};
  if (view->status != "active") return Error{Code::state, "this patrol has already ended"};
  sync::Txn txn(replica_.store());  // the last segment and the patrol's end: all or none
  if (running && running->patrol_id() == patrol_id)
    if (auto r = running->finish(); !r) return r.error();
  // Measured on the rows held, so a restart mid-patrol loses no distance.
  auto track = PatrolTrack::load(replica_.store().db(), patrol_id);
  if (!track) return track.error();
  int64_t inside = 0;
  if (where_->grids)
    if (const GridIndex::Entry* g = where_->grids->find(view->grid_id)) inside = geo::time_inside_ms(*track, g->polygon);
  const auto& t = table("patrols");
  Fields set = fields_of(t, {{"status", "done"}, {"ended_at", now()},
                             {"distance_m", static_cast<int64_t>(std::llround(geo::length_m(*track)))},
                             {"inside_ms", inside}});
  if (!notes.empty()) add_field(set, t, "notes", notes);
  if (where_->fix) add_field(set, t, "end_fix", geo::fix_json(*where_->fix));
  auto w = replica_.write(t, patrol_id, set);
  if (!w) return w.error();
  txn.commit();
  return Status::ok();
}

Result<std::string> FieldActions::check_in(const Me& me, const std::string& grid_id, const std::string& patrol_id) {
  if (!where_->fix) return Error{Code::missing, "no location yet: wait for a fix"};
  if (!queries_.grids().count(grid_id)) return Error{Code::not_found, "no such grid on this tablet"};
  bool inside = where_->grids && where_->grids->contains(grid_id, where_->fix->at_point);
  const auto& t = table("checkins");
  Fields set = fields_of(t, {{"grid_id", grid_id}, {"user_id", me.user_id}, {"at", now()},
                             {"fix", geo::fix_json(*where_->fix)}, {"inside", int64_t{inside ? 1 : 0}}});
  if (!patrol_id.empty()) add_field(set, t, "patrol_id", patrol_id);
  return replica_.create(t, set);
}

Result<std::string> FieldActions::record_visit(const Me& me, const NewVisit& v) {
  if (v.target_kind != "household" && v.target_kind != "enterprise") return missing("choose whom you visited");
  if (v.target_id.empty()) return missing("choose whom you visited");
  auto s = replica_.store().db().prepare(
      v.target_kind == "household" ? "SELECT grid_id FROM households WHERE id = ?" : "SELECT grid_id FROM enterprises WHERE id = ?");
  s.bind(1, v.target_id);
  if (!s.step()) return Error{Code::not_found, "that household or enterprise is not on this tablet"};
  std::string grid(s.text(0));
  // Every read lets go before a write: a statement left stepped keeps its
  // snapshot, and once the sync thread commits meanwhile SQLite refuses the
  // write at once ("database is locked", no busy wait).
  s.reset();
  const auto& t = table("visits");
  Fields set = fields_of(t, {{"grid_id", grid}, {"target_kind", v.target_kind}, {"target_id", v.target_id},
                             {"visitor_id", me.user_id}, {"visited_at", now()}, {"purpose", v.purpose}});
  if (!v.notes.empty()) add_field(set, t, "notes", v.notes);
  if (!v.needs.empty()) add_field(set, t, "needs", v.needs);
  if (v.follow_up_at > 0) add_field(set, t, "follow_up_at", v.follow_up_at);
  if (v.fix) {
    if (auto st = geo::check_fix(*v.fix); !st) return st.error();
    add_field(set, t, "fix", geo::fix_json(*v.fix));
  }
  auto photos = prepare_files(v.photos, 0);
  if (!photos) return photos.error();
  sync::Txn txn(replica_.store());  // a visit and its photos: all or none
  auto id = replica_.create(t, set);
  if (!id) return id.error();
  if (auto st = attach(me, "visits", *id, grid, *photos); !st) return st.error();
  txn.commit();
  return id;
}

Result<std::string> FieldActions::create_case(const Me& me, const NewCase& in) {
  NewCase c = in;
  if (c.fix)
    if (auto st = geo::check_fix(*c.fix); !st) return st.error();
  // No grid chosen: the one under the fix (the deepest, a level-3 grid
  // where the park has them), as the form suggests it.
  if (c.grid_id.empty() && c.fix && where_->grids)
    if (const GridIndex::Entry* g = where_->grids->grid_at(c.fix->at_point)) c.grid_id = g->id;
  if (c.grid_id.empty()) return missing("choose the grid");
  if (!find_category(c.category)) return missing("choose a category");
  if (c.title.find_first_not_of(' ') == std::string::npos) return missing("give the case a title");
  bool caller = !c.caller_name.empty() || !c.caller_phone.empty();
  if (auto st = check_new_case(me.roles, c.source, caller); !st) return st.error();
  auto all = queries_.grids();
  if (!all.count(c.grid_id)) return Error{Code::not_found, "no such grid on this tablet"};
  bool takeover = in_takeover(all, c.grid_id);
  int64_t at = now();
  const auto& t = table("cases");
  Fields set = fields_of(t, {{"grid_id", c.grid_id}, {"source", c.source}, {"category", c.category},
                             {"severity", c.severity}, {"title", c.title}, {"status", "reported"},
                             {"reporter_id", me.user_id}, {"reported_at", at},
                             {"due_at", case_due_at(c.category, at, takeover)}, {"rework", int64_t{0}},
                             {"last_action", "report"}});
  if (!c.description.empty()) add_field(set, t, "description", c.description);
  if (!c.caller_name.empty()) add_field(set, t, "caller_name", c.caller_name);
  if (!c.caller_phone.empty()) add_field(set, t, "caller_phone", c.caller_phone);
  if (c.confidential) add_field(set, t, "confidential", int64_t{1});
  if (!c.location.empty()) add_field(set, t, "location", c.location);
  if (!c.parties.empty()) add_field(set, t, "parties", parties_json(c.parties));
  if (!c.patrol_id.empty()) add_field(set, t, "patrol_id", c.patrol_id);
  if (!c.visit_id.empty()) add_field(set, t, "visit_id", c.visit_id);
  if (c.fix) add_field(set, t, "fix", geo::fix_json(*c.fix));
  auto photos = prepare_files(c.photos, 0);
  if (!photos) return photos.error();
  sync::Txn txn(replica_.store());  // a case never without its report row, nor its photos
  auto id = replica_.create(t, set);
  if (!id) return id.error();
  if (auto st = log_case(me, *id, c.grid_id, "report", "", "reported", ""); !st) return st.error();
  if (auto st = attach(me, "cases", *id, c.grid_id, *photos); !st) return st.error();
  txn.commit();
  return id;
}

Result<std::string> FieldActions::log_case(const Me& me, const std::string& case_id, const std::string& grid_id,
                              std::string_view action, std::string_view from, std::string_view to,
                              const std::string& note) {
  const auto& t = table("case_log");
  Fields set = fields_of(t, {{"case_id", case_id}, {"grid_id", grid_id}, {"action", std::string(action)},
                             {"to_status", std::string(to)}, {"actor_id", me.user_id}, {"at", now()}});
  if (!from.empty()) add_field(set, t, "from_status", std::string(from));
  if (!note.empty()) add_field(set, t, "note", note);
  return replica_.create(t, set);
}

Status FieldActions::case_action(const Me& me, const std::string& case_id, const std::string& action,
                                 const CaseActionInput& in) {
  auto s = replica_.store().db().prepare("SELECT status, grid_id, IFNULL(rework, 0) FROM cases WHERE id = ?");
  s.bind(1, case_id);
  if (!s.step()) return Error{Code::not_found, "no such case on this tablet"};
  std::string status(s.text(0)), grid(s.text(1));
  int64_t rework = s.int64(2);
  s.reset();  // before the write (record_visit says why)
  if (auto st = check_case_step(me.roles, {.action = action, .from = status, .note = in.note,
                                           .resolution = in.resolution, .route = in.route, .score = in.score});
      !st)
    return st.error();
  const CaseMove* move = find_case_move(action, status);
  const auto& t = table("cases");
  // The move travels with the case (status, action, reason) so the server
  // can judge it on its own; the log row is its history.
  // The reason is written even when empty: it belongs to this step, and an
  // older step's reason must not stand beside it.
  Fields set = fields_of(t, {{"status", std::string(move->to)}, {"last_action", std::string(move->action)},
                             {"status_note", in.note}});
  // Dispatch picks the route; escalation always goes to the department
  // linked to the grid (or to its unit grid).
  std::string route = move->needs_route ? in.route : action == "escalate" ? "department" : "";
  if (!route.empty()) {
    add_field(set, t, "route", route);
    if (route == "department")
      if (std::string dept = linked_department(queries_.grids(), grid); !dept.empty())
        add_field(set, t, "department_id", dept);
  }
  if (action == "start") add_field(set, t, "assignee_id", me.user_id);
  if (move->needs_resolution) add_field(set, t, "resolution", in.resolution);
  if (move->needs_score) add_field(set, t, "score", int64_t{in.score});
  if (action == "rework") add_field(set, t, "rework", rework + 1);
  if (action == "close") add_field(set, t, "closed_at", now());
  if (action == "defer") add_field(set, t, "deferred", int64_t{1});
  auto photos = prepare_files(in.photos, 0);  // 处置前后: the step's own photos
  if (!photos) return photos.error();
  sync::Txn txn(replica_.store());  // a step, its log row and its photos: all or none
  if (auto w = replica_.write(t, case_id, set); !w) return w.error();
  std::string note = move->needs_resolution ? in.resolution : in.note;
  auto step = log_case(me, case_id, grid, move->action, move->from, move->to, note);
  if (!step) return step.error();
  if (auto st = attach(me, "case_log", *step, grid, *photos); !st) return st.error();
  txn.commit();
  return Status::ok();
}

Status FieldActions::mark_notice_read(const Me& me, const std::string& notice_id) {
  auto s = replica_.store().db().prepare("SELECT IFNULL(read, 0) FROM notices WHERE id = ? AND user_id = ?");
  s.bind(1, notice_id).bind(2, me.user_id);
  if (!s.step()) return Error{Code::not_found, "no such notice for you on this tablet"};
  if (s.int64(0)) return Status::ok();  // read already: nothing to sync
  s.reset();  // before the write (record_visit says why)
  const auto& t = table("notices");
  if (auto p = replica_.write(t, notice_id, fields_of(t, {{"read", int64_t{1}}})); !p) return p.error();
  return Status::ok();
}

Status FieldActions::edit_target(const std::string& kind, const std::string& id,
                                 const std::vector<std::pair<std::string, std::string>>& fields) {
  if (kind != "household" && kind != "enterprise") return Error{Code::invalid, "kind must be household or enterprise"};
  const TableSpec& t = table(kind == "household" ? "households" : "enterprises");
  sync::Row row;
  if (!replica_.store().load(t, id, row)) return Error{Code::not_found, "no such " + kind + " on this tablet"};
  Fields set;
  for (const auto& [name, text] : fields) {
    int i = t.index_of(name);
    if (i < 0) return Error{Code::unknown_column, std::string(t.name) + " has no column " + name};
    const ColumnSpec& c = t.columns[static_cast<size_t>(i)];
    if (c.merge == Merge::immutable || i == t.bucket_index() || c.name == "deleted")
      return Error{Code::immutable, std::string(t.name) + "." + name + " is not edited here"};
    auto v = value_from_text(t, c, text);
    if (!v) return v.error();
    if (*v == row.values[static_cast<size_t>(i)]) continue;
    set.push_back({static_cast<uint16_t>(i), std::move(*v)});
  }
  if (set.empty()) return Status::ok();  // nothing changed: nothing to sync
  if (auto p = replica_.write(t, id, set); !p) return p.error();
  return Status::ok();
}

Status FieldActions::attach_photos(const Me& me, const std::string& table_name, const std::string& record_id,
                                   const std::vector<PhotoSource>& files) {
  const TableSpec* t = find_table(table_name);
  const ColumnSpec* kind = table("attachments").find("record_table");
  if (!t || std::find(kind->one_of.begin(), kind->one_of.end(), table_name) == kind->one_of.end())
    return Error{Code::invalid, "photos are attached to cases, case steps, patrols and visits"};
  sync::Row row;
  if (!replica_.store().load(*t, record_id, row) || !row.exists)
    return Error{Code::not_found, "no such record on this tablet"};
  std::string grid = text_or_empty(row.values[static_cast<size_t>(t->index_of("grid_id"))]);
  auto count = replica_.store().db().prepare(
      "SELECT count(*) FROM attachments WHERE record_id = ? AND coalesce(deleted, 0) = 0");
  count.bind(1, record_id);
  int64_t held = count.step() ? count.int64(0) : 0;
  count.reset();  // before the write (record_visit says why)
  auto photos = prepare_files(files, held);
  if (!photos) return photos.error();
  sync::Txn txn(replica_.store());
  if (auto st = attach(me, table_name, record_id, grid, *photos); !st) return st.error();
  txn.commit();
  return Status::ok();
}

// The rows and the sealed bytes in the caller's transaction: a row never
// names a picture the tablet does not hold.
Status FieldActions::attach(const Me& me, std::string_view record_table, const std::string& record_id,
                            const std::string& grid_id, const std::vector<Photo>& photos) {
  const auto& t = table("attachments");
  for (const auto& p : photos) {
    int64_t at = now();
    Fields set = fields_of(t, {{"record_table", std::string(record_table)}, {"record_id", record_id},
                               {"grid_id", grid_id}, {"hash", p.hash}, {"bytes", static_cast<int64_t>(p.jpeg.size())},
                               {"width", int64_t{p.width}}, {"height", int64_t{p.height}},
                               {"thumb_hash", p.thumb_hash},
                               {"thumb_bytes", static_cast<int64_t>(p.thumb_jpeg.size())},
                               {"author_id", me.user_id}, {"taken_at", at}});
    if (auto id = replica_.create(t, set); !id) return id.error();
    photos_.keep_taken(p, grid_id, at);
  }
  return Status::ok();
}

}  // namespace gw::client
