// Evidence photos in forms and on records (issue 22): the 添加照片 control
// that gathers files for a record not yet saved (a new case, a step's
// 处置前后), with an in-app chooser a finger can work and 拍照 where the
// tablet has a camera, and the thumbnails a saved record shows. The core
// turns the files into kept pictures when the record is saved; a bad file
// is refused there, naming it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

// A file the chooser lists as a picture: .jpg, .jpeg or .png, any case.
// (The core reads the bytes to tell; this only keeps the list short.)
bool is_picture_file(std::string_view name);

// Adds a file or a still to the photos a record will carry besides the
// `already` it has: false when it is there already or the record is full
// (tuning::kPhotosPerRecord).
bool add_photo(std::vector<PhotoSource>* files, const PhotoSource& photo, size_t already = 0);

// Where the chooser opens first: $HOME/Pictures when it exists, else $HOME.
std::string default_photo_folder();

// The 添加照片 control of one form: the count (n/9), the photos chosen with
// a remove button each, the chooser while open, and 拍照 (the camera
// screen) when the tablet has a camera, whose still comes back here. Probe
// ids start with the prefix: PREFIX.photos.add, .take, .remove.N,
// .picker.row.N, .picker.done; the probe's state PREFIX.photos counts them.
class PhotoPicker {
 public:
  explicit PhotoPicker(std::string prefix) : prefix_(std::move(prefix)) {}
  // `already`: photos the record has (a saved case's), counted against its nine.
  void draw(Frame& f, std::vector<PhotoSource>* files, size_t already = 0);
  void close() { open_ = false; }

 private:
  void chooser(Frame& f, std::vector<PhotoSource>* files, size_t already);
  void rows(Frame& f, std::vector<PhotoSource>* files);
  // 拍照, and the still the camera screen brings back for this picker.
  void camera(Frame& f, std::vector<PhotoSource>* files, size_t already, bool full);
  void list(const std::string& folder);
  std::string id(std::string_view part) const { return prefix_ + ".photos." + std::string(part); }

  std::string prefix_;
  bool open_ = false;
  std::string folder_;  // listed; kept between openings
  std::string typed_;   // the path field
  std::vector<std::string> dirs_, pictures_;  // names in folder_, sorted
  std::string error_;   // the folder could not be read
};

// The thumbnails of `photos` as touch-sized tiles that wrap; a picture not
// on the tablet yet is a 照片上传中 tile, one of this tablet's still going up
// wears a badge. Returns the index tapped, or -1. Probe ids: PREFIX.N.
int photo_tiles(Frame& f, std::string_view prefix, const std::vector<const PhotoItem*>& photos);

// All of a record's `photos` as tiles; a tap opens that picture in the
// full-screen viewer. True when one was opened: the screen keeps what it
// shows for the way back (its enter() runs again then).
bool photo_gallery(Frame& f, std::string_view prefix, const std::vector<PhotoItem>& photos);

}  // namespace gw::client::ui
