// The photo batch's wire form (sync/core/blob_batch.hpp): what a tablet
// sends and what a server answers, both ways, and every malformed body
// refused with a reason before a byte is looked at as a photo.
#include <doctest/doctest.h>

#include "shared/tuning.hpp"
#include "sync/core/blob_batch.hpp"

using namespace gw;
using namespace gw::sync;

namespace {

std::string name(char c) { return std::string(64, c); }

}  // namespace

TEST_SUITE("blob-batch") {
  TEST_CASE("parts go out and come back in order, bytes untouched, binary and empty ones too") {
    std::string jpeg("\xff\xd8\n\n 1 2\n\xff\xd9", 10);
    std::vector<BlobPart> sent{{name('a'), jpeg}, {name('b'), "x"}, {name('c'), ""}};
    auto body = encode_blob_batch(sent);
    auto got = decode_blob_batch(body);
    REQUIRE_MESSAGE(got, got.error().message);
    REQUIRE(got->size() == 3);
    for (size_t i = 0; i < sent.size(); ++i) {
      CHECK((*got)[i].hash == sent[i].hash);
      CHECK((*got)[i].bytes == sent[i].bytes);
    }
  }

  TEST_CASE("a malformed body is refused with its reason") {
    auto refused = [](const std::string& body) {
      auto r = decode_blob_batch(body);
      REQUIRE_FALSE(r);
      return r.error();
    };
    auto good = encode_blob_batch({{name('a'), "abc"}});
    CHECK(refused("").code == Code::invalid);
    CHECK(refused("gridwork-blobs 2\n" + name('a') + " 3\nabc").message.find("version 2") != std::string::npos);
    CHECK(refused("gridwork-blobs 1\n").message.find("no photos") != std::string::npos);
    CHECK(refused(good.substr(0, good.size() - 1)).message.find("ends inside part 1") != std::string::npos);
    CHECK(refused("gridwork-blobs 1\n" + name('A') + " 3\nabc").message.find("BLAKE2b") != std::string::npos);
    CHECK(refused("gridwork-blobs 1\n" + name('a') + " -3\nabc").message.find("no size") != std::string::npos);
    CHECK(refused("gridwork-blobs 1\n" + name('a') + "\nabc").message.find("no header") != std::string::npos);
    CHECK(refused("gridwork-blobs 1\n" + name('a') + " 03\nabc").message.find("no size") != std::string::npos);
    CHECK(refused(good + name('a') + " 3\nabc").message.find("sent twice") != std::string::npos);

    std::vector<BlobPart> many;
    std::vector<std::string> names;
    for (int i = 0; i <= tuning::kBlobBatchParts; ++i) names.push_back(std::string(60, 'a') + std::to_string(1000 + i));
    for (const auto& n : names) many.push_back({n, "x"});
    CHECK(refused(encode_blob_batch(many)).code == Code::too_large);
    std::string big(static_cast<size_t>(tuning::kBlobChunkMaxBytes / 2) + 1, 'x');
    CHECK(refused(encode_blob_batch({{name('a'), big}, {name('b'), big}})).code == Code::too_large);
  }

  TEST_CASE("answers: each part's state or its refusal, and an answer naming other photos is refused") {
    std::vector<BlobPart> sent{{name('a'), "1"}, {name('b'), "2"}};
    std::vector<BlobPartAnswer> answers{{name('a'), 1, true, Code::ok, {}},
                                        {name('b'), 0, false, Code::forbidden, "a grid you cannot read"}};
    auto got = decode_blob_answers(encode_blob_answers(answers), sent);
    REQUIRE_MESSAGE(got, got.error().message);
    CHECK((*got)[0].complete);
    CHECK((*got)[0].received == 1);
    CHECK((*got)[1].code == Code::forbidden);
    CHECK((*got)[1].message == "a grid you cannot read");
    std::swap(sent[0], sent[1]);
    CHECK_FALSE(decode_blob_answers(encode_blob_answers(answers), sent));
    sent.pop_back();
    CHECK_FALSE(decode_blob_answers(encode_blob_answers(answers), sent));
    CHECK_FALSE(decode_blob_answers("{\"parts\":3}", sent));
  }
}
