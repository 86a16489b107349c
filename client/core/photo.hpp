// Evidence photos (issue 22): a picture as it is kept and sent. A file from
// the picker, a drop or the camera is decoded (JPEG or PNG only, its size
// checked from the header before any pixel is unpacked), scaled down to a
// long edge of tuning::kPhotoLongEdge and encoded again as JPEG, which drops
// every byte of metadata the original carried (EXIF, GPS, maker notes); a
// thumbnail is made the same way. The picture is named by the BLAKE2b hash
// of its kept bytes: that name goes into the record's signed patch, so the
// picture is part of the device's chain like the text beside it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"

namespace gw::client {

struct Photo {
  std::string hash;  // BLAKE2b-256 of `jpeg`, lowercase hex: the photo's name
  std::string jpeg;  // the kept picture
  int width = 0, height = 0;
  std::string thumb_hash;  // the thumbnail's name, sent beside the photo's
  std::string thumb_jpeg;
  int thumb_width = 0, thumb_height = 0;
};

// One photo a form gathers before its record is saved: a file (the chooser,
// a drop), made into its Photo when the record is saved, or a camera's
// still, a Photo already (its pixels exist nowhere else). Made from a path
// without a word, as forms and tests name files.
struct PhotoSource {
  PhotoSource(std::string file) : path(std::move(file)) {}
  PhotoSource(const char* file) : path(file) {}
  explicit PhotoSource(std::shared_ptr<const Photo> still) : taken(std::move(still)) {}
  std::string path;                    // a file, when `taken` is null
  std::shared_ptr<const Photo> taken;  // a still
  bool operator==(const PhotoSource& o) const {
    return taken ? o.taken && o.taken->hash == taken->hash : !o.taken && o.path == path;
  }
};

// The kept picture and its thumbnail from a file's bytes, or why not
// (Code::invalid: not a JPEG or PNG, damaged or cut short; Code::too_large:
// a file or a picture over the limits).
Result<Photo> prepare_photo(std::string_view file);

// A picture's pixels: a kept one's for the screen, a camera's frame (RGBA,
// 8 bits a channel).
struct Pixels {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;  // 4 bytes a pixel, rows top down
};

// The kept picture and its thumbnail from pixels already upright (a
// camera's still): scaled, encoded
// and named as a file's are. Code::invalid when the pixels do not match the
// size, Code::too_large past the limit.
Result<Photo> prepare_photo_pixels(const Pixels& still);

// The same as prepare_photo from a file, whose size is checked before it is read
// (Code::not_found when it cannot be opened).
Result<Photo> prepare_photo_file(const std::string& path);

// A form's photo as its Photo: a file's made, a still's as it is.
Result<Photo> prepare_photo_source(const PhotoSource& source);

// A kept picture's pixels, for the screen.
Result<Pixels> decode_pixels(std::string_view jpeg);

// The name of a picture's bytes (Photo::hash): what a server checks an
// upload against.
std::string photo_hash(std::string_view jpeg);

}  // namespace gw::client
