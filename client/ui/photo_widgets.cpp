#include "client/ui/photo_widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "client/ui/photo_textures.hpp"
#include "client/ui/widgets.hpp"
#include "shared/tuning.hpp"

namespace gw::client::ui {
namespace {

namespace fs = std::filesystem;

constexpr size_t kListedMax = 2000;  // a camera folder of years: the chooser stays a list, not a hang
constexpr float kTilePx = 112.0f;    // design px: ~17 mm on a 10-inch 1280x800 tablet, a thumb's width

std::string file_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.empty() ? path : name;
}

}  // namespace

bool is_picture_file(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

bool add_photo(std::vector<PhotoSource>* files, const PhotoSource& photo, size_t already) {
  if ((photo.path.empty() && !photo.taken) || static_cast<int>(already + files->size()) >= tuning::kPhotosPerRecord)
    return false;
  if (std::find(files->begin(), files->end(), photo) != files->end()) return false;
  files->push_back(photo);
  return true;
}

std::string default_photo_folder() {
  const char* home = std::getenv("HOME");
  const std::string h = home && *home ? home : "/";
  std::error_code ec;
  if (fs::is_directory(h + "/Pictures", ec)) return h + "/Pictures";
  return h;
}

void PhotoPicker::list(const std::string& folder) {
  std::error_code ec;
  fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    error_ = ec.message();
    return;  // the last good listing stays
  }
  error_.clear();
  folder_ = fs::path(folder).lexically_normal().string();
  if (folder_.size() > 1 && folder_.back() == '/') folder_.pop_back();
  typed_ = folder_;
  dirs_.clear();
  pictures_.clear();
  for (; it != fs::directory_iterator() && dirs_.size() + pictures_.size() < kListedMax; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden: settings, caches
    if (it->is_directory(ec)) dirs_.push_back(name);
    else if (is_picture_file(name) && it->is_regular_file(ec)) pictures_.push_back(name);
  }
  std::sort(dirs_.begin(), dirs_.end());
  std::sort(pictures_.begin(), pictures_.end());
}

void PhotoPicker::rows(Frame& f, std::vector<PhotoSource>* files) {
  for (size_t i = 0; i < files->size();) {
    ImGui::PushID(static_cast<int>(i));
    const bool remove = button(f, id("remove." + std::to_string(i)), f.s.tr("photos.remove"));
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    const PhotoSource& p = (*files)[i];
    const std::string name = p.taken ? f.s.format("photos.still", {p.taken->hash.substr(0, 8)}) : file_name(p.path);
    ImGui::TextUnformatted(name.c_str());
    ImGui::PopID();
    if (remove) files->erase(files->begin() + static_cast<std::ptrdiff_t>(i));
    else ++i;
  }
}

void PhotoPicker::camera(Frame& f, std::vector<PhotoSource>* files, size_t already, bool full) {
  CameraDesk* desk = f.camera;
  if (!desk) return;
  if (desk->still && desk->asked_by == prefix_) {
    add_photo(files, PhotoSource(std::move(desk->still)), already);
    desk->still.reset();
    desk->asked_by.clear();
  }
  if (desk->device.empty()) return;
  ImGui::SameLine();
  ImGui::BeginDisabled(full);
  if (button(f, id("take"), f.s.tr("photos.take"))) {
    desk->asked_by = prefix_;
    desk->still.reset();
    f.nav.go(ScreenId::camera);
  }
  ImGui::EndDisabled();
}

void PhotoPicker::draw(Frame& f, std::vector<PhotoSource>* files, size_t already) {
  f.probe.state(prefix_ + ".photos", std::to_string(files->size()));
  const bool full = static_cast<int>(already + files->size()) >= tuning::kPhotosPerRecord;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(f.s.format("photos.count", {std::to_string(already + files->size()),
                                                    std::to_string(tuning::kPhotosPerRecord)}).c_str());
  ImGui::SameLine();
  ImGui::BeginDisabled(full);
  if (button(f, id("add"), f.s.tr("photos.add"))) {
    open_ = true;
    if (folder_.empty()) list(default_photo_folder());
    else list(folder_);  // what was added to the folder since
  }
  ImGui::EndDisabled();
  camera(f, files, already, full);
  if (files->empty() && !full) muted(f.s.tr("photos.drop_hint"));
  rows(f, files);
  if (open_) chooser(f, files, already);
}

// A modal over the screen, as large as it: the folder's path (type one and
// press Enter), up a level, then its folders and pictures as finger-tall
// rows. Tapping a picture adds it (again: takes it back); 完成 closes.
void PhotoPicker::chooser(Frame& f, std::vector<PhotoSource>* files, size_t already) {
  const std::string popup = f.s.tr("photos.picker_title") + "###" + id("picker");
  if (!ImGui::IsPopupOpen(popup.c_str())) ImGui::OpenPopup(popup.c_str());
  const ImVec2 d = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(d.x * 0.5f, d.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(d.x * 0.9f, d.y * 0.9f));
  const int flags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings;
  if (!ImGui::BeginPopupModal(popup.c_str(), nullptr, flags)) return;
  const ImGuiStyle& st = ImGui::GetStyle();
  const std::string up = f.s.tr("photos.picker_up");
  const float up_w = ImGui::CalcTextSize(up.c_str()).x + st.FramePadding.x * 2;
  if (button(f, id("picker.up"), up)) list(fs::path(folder_).parent_path().string());
  ImGui::SameLine();
  if (input_text(f, id("picker.path"), f.s.tr("photos.picker_path_hint"), &typed_,
                 ImGuiInputTextFlags_EnterReturnsTrue, ImGui::GetContentRegionAvail().x - up_w - st.ItemSpacing.x))
    list(typed_);
  ImGui::SameLine();
  if (button(f, id("picker.open"), f.s.tr("photos.picker_open"), ImVec2(up_w, 0))) list(typed_);
  if (!error_.empty()) error_text(f.s.format("photos.picker_error", {typed_, error_}));

  const float footer = ImGui::GetFrameHeightWithSpacing() + st.ItemSpacing.y;
  begin_panel("##picker_list", ImVec2(0, -footer));
  if (dirs_.empty() && pictures_.empty()) muted(f.s.tr("photos.picker_empty"));
  const float row_h = ImGui::GetFrameHeight();
  const float w = ImGui::GetContentRegionAvail().x;
  std::string go_to;
  for (size_t i = 0; i < dirs_.size() + pictures_.size(); ++i) {
    const bool dir = i < dirs_.size();
    const std::string& name = dir ? dirs_[i] : pictures_[i - dirs_.size()];
    const std::string path = folder_ + (folder_ == "/" ? "" : "/") + name;
    const bool chosen = !dir && std::find(files->begin(), files->end(), PhotoSource(path)) != files->end();
    const ImVec2 top = ImGui::GetCursorScreenPos();
    if (list_row(f, id("picker.row." + std::to_string(i)), chosen, ImVec2(w, row_h))) {
      if (dir) go_to = path;
      else if (chosen) files->erase(std::find(files->begin(), files->end(), PhotoSource(path)));
      else add_photo(files, path, already);
    }
    if (!ImGui::IsItemVisible()) continue;
    const std::string text = dir ? name + "/" : name;  // a chosen picture's row is highlighted
    ImGui::GetWindowDrawList()->AddText(ImVec2(top.x + st.FramePadding.x, top.y + (row_h - ImGui::GetTextLineHeight()) / 2),
                                        ImGui::GetColorU32(dir ? kTitleText : ImGui::GetStyleColorVec4(ImGuiCol_Text)),
                                        text.c_str());
  }
  end_panel();
  if (!go_to.empty()) list(go_to);

  const std::string done = f.s.format("photos.picker_done", {std::to_string(already + files->size()),
                                                            std::to_string(tuning::kPhotosPerRecord)});
  const float done_w = 320.0f * f.scale;
  ImGui::SetCursorPosX(ImGui::GetWindowContentRegionMax().x - done_w);
  if (primary_button(f, id("picker.done"), done, ImVec2(done_w, 0))) {
    open_ = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

int photo_tiles(Frame& f, std::string_view prefix, const std::vector<const PhotoItem*>& photos) {
  const float tile = kTilePx * f.scale;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  int tapped = -1;
  for (size_t i = 0; i < photos.size(); ++i) {
    const PhotoItem& p = *photos[i];
    if (i > 0) {
      ImGui::SameLine();
      if (ImGui::GetCursorScreenPos().x + tile > right) ImGui::NewLine();
    }
    const ImVec2 a = ImGui::GetCursorScreenPos();
    const ImVec2 b(a.x + tile, a.y + tile);
    if (list_row(f, std::string(prefix) + "." + std::to_string(i), false, ImVec2(tile, tile))) tapped = static_cast<int>(i);
    if (!ImGui::IsItemVisible()) continue;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const PhotoTextures::Texture* tex =
        f.photos && !p.thumb_jpeg.empty() ? f.photos->get(p.thumb_hash, p.thumb_jpeg, false) : nullptr;
    if (tex) {
      // Fitted, not cropped: evidence is shown whole.
      const float k = std::min(tile / static_cast<float>(tex->width), tile / static_cast<float>(tex->height));
      const ImVec2 size(tex->width * k, tex->height * k);
      const ImVec2 at(a.x + (tile - size.x) / 2, a.y + (tile - size.y) / 2);
      dl->AddRectFilled(a, b, IM_COL32(30, 30, 30, 255));
      dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex->id)), at, ImVec2(at.x + size.x, at.y + size.y));
    } else {
      // Not here yet (its author's tablet has not sent it, or it is on its way).
      dl->AddRectFilled(a, b, IM_COL32(225, 229, 236, 255));
      const std::string text = f.s.tr(p.thumb_jpeg.empty() ? "photos.uploading" : "photos.unreadable");
      const float wrap = tile - st.FramePadding.x;
      const ImVec2 ts = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
      dl->AddText(nullptr, 0.0f, ImVec2(a.x + (tile - ts.x) / 2, a.y + (tile - ts.y) / 2),
                  ImGui::GetColorU32(kMutedText), text.c_str(), nullptr, wrap);
    }
    dl->AddRect(a, b, ImGui::GetColorU32(kBorder));
    if (p.uploading) {
      // This tablet's, not yet on the server whole: a corner mark, not words over the picture.
      const float r = tile * 0.09f;
      dl->AddCircleFilled(ImVec2(b.x - r * 1.6f, a.y + r * 1.6f), r, kAmber);
      dl->AddText(ImVec2(b.x - r * 1.6f - ImGui::CalcTextSize("↑").x / 2, a.y + r * 1.6f - ImGui::GetTextLineHeight() / 2),
                  IM_COL32_WHITE, "↑");
    }
  }
  return tapped;
}

bool photo_gallery(Frame& f, std::string_view prefix, const std::vector<PhotoItem>& photos) {
  std::vector<const PhotoItem*> all;
  all.reserve(photos.size());
  for (const PhotoItem& p : photos) all.push_back(&p);
  const int i = photo_tiles(f, prefix, all);
  if (i < 0) return false;
  f.core.open_photo(all[static_cast<size_t>(i)]->hash);
  f.nav.go(ScreenId::photo);
  return true;
}

}  // namespace gw::client::ui
