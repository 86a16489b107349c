#include "client/ui/window.hpp"

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>
#include <stb_image_write.h>

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string_view>
#include <utility>

#include "client/ui/palette.hpp"

namespace gw::client::ui {
namespace {

#if defined(__SANITIZE_ADDRESS__)
// Mesa unloads its driver at exit, before LeakSanitizer reports; the driver's
// own leftovers then show as "<unknown module>" and no suppression can name
// them. Pinning every loaded library keeps them attributable (and the
// suppressions in tests/client/ui/lsan.supp narrow).
void pin_loaded_libraries() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void*) {
        if (info->dlpi_name && *info->dlpi_name) dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
        return 0;
      },
      nullptr);
}
#else
void pin_loaded_libraries() {}
#endif

constexpr float kBaseFontPx = 24.0f;   // at 800 px window height, scale 1
constexpr float kTouchTargetPx = 48.0f;  // the smallest thing a finger should hit
constexpr uint32_t kMaxBmp = 0x10000;   // ImWchar is 16 bits in Debian's build

// Decodes UTF-8 leniently: the text was checked where it entered the system.
template <typename F>
void for_each_code_point(std::string_view s, F&& f) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (extra) cp = c & (0x3F >> extra);
    ++i;
    for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
    f(cp);
  }
}

}  // namespace

std::string Window::find_font(const std::string& assets_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& p : {assets_dir + "/fonts/wqy-microhei.ttc", std::string("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")})
    if (fs::is_regular_file(p, ec)) return p;
  return {};
}

Result<std::unique_ptr<Window>> Window::open(const WindowOptions& options) {
  if (options.font_path.empty()) return Error{Code::missing, "no CJK font: install fonts-wqy-microhei or put wqy-microhei.ttc in assets/fonts"};
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS) != 0)
    return Error{Code::io, std::string("SDL_Init: ") + SDL_GetError()};
  // With no display SDL falls back to an invisible window that would run
  // forever: say so instead.
  if (std::string_view driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
      driver == "offscreen" || driver == "dummy" || driver.empty()) {
    SDL_Quit();
    return Error{Code::io, "no display to open a window on (set DISPLAY, or run under Xvfb)"};
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  // Touch arrives as mouse events too; ImGui needs nothing else from it.
  SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");

  std::unique_ptr<Window> w(new Window());
  w->window_ = SDL_CreateWindow(options.title.c_str(), 0, 0, options.width, options.height,
                                SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!w->window_) {
    SDL_Quit();
    return Error{Code::io, std::string("SDL_CreateWindow: ") + SDL_GetError()};
  }
  w->gl_ = SDL_GL_CreateContext(w->window_);
  if (!w->gl_) {
    std::string err = SDL_GetError();
    SDL_DestroyWindow(w->window_);
    w->window_ = nullptr;
    SDL_Quit();
    return Error{Code::io, "SDL_GL_CreateContext: " + err};
  }
  SDL_GL_MakeCurrent(w->window_, w->gl_);
  pin_loaded_libraries();
  SDL_GL_SetSwapInterval(options.vsync ? 1 : 0);
  SDL_GetWindowSize(w->window_, &w->width_, &w->height_);
  w->font_path_ = options.font_path;
  w->text_scale_ = options.text_scale;
  w->wanted_.assign(kMaxBmp, false);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is code, not state
  io.LogFilename = nullptr;
  ImGui_ImplSDL2_InitForOpenGL(w->window_, w->gl_);
  ImGui_ImplOpenGL3_Init("#version 130");
  // Now, not lazily in the first NewFrame: that would build the atlas twice.
  ImGui_ImplOpenGL3_CreateDeviceObjects();
  // Text input only while a field has focus: that is what raises the
  // on-screen keyboard on a tablet.
  SDL_StopTextInput();
  return w;
}

Window::~Window() {
  if (!window_) return;
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl_);
  SDL_DestroyWindow(window_);
  SDL_Quit();
}

int Window::x() const {
  int px = 0, py = 0;
  SDL_GetWindowPosition(window_, &px, &py);
  return px;
}

int Window::y() const {
  int px = 0, py = 0;
  SDL_GetWindowPosition(window_, &px, &py);
  return py;
}

bool Window::pump_events(int wait_ms) {
  bool open = true;
  SDL_Event e;
  bool have = wait_ms > 0 ? SDL_WaitEventTimeout(&e, wait_ms) != 0 : SDL_PollEvent(&e) != 0;
  while (have) {
    ImGui_ImplSDL2_ProcessEvent(&e);
    if (e.type == SDL_QUIT) open = false;
    if (e.type == SDL_DROPFILE && e.drop.file) {
      dropped_.emplace_back(e.drop.file);
      SDL_free(e.drop.file);  // SDL hands the path over
    }
    if (e.type == SDL_MULTIGESTURE && e.mgesture.numFingers == 2) pinch_ += e.mgesture.dDist;
    // A drag read from the motion events themselves: ImGui 1.86's SDL
    // backend polls the pointer, and under a pointer grab (a button held)
    // that poll can stay where the press was.
    if (e.type == SDL_MOUSEMOTION && (e.motion.state & SDL_BUTTON_LMASK)) {
      drag_x_ += static_cast<float>(e.motion.xrel);
      drag_y_ += static_cast<float>(e.motion.yrel);
    }
    if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) open = false;
    if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
      int h = height_;
      SDL_GetWindowSize(window_, &width_, &height_);
      if (h != height_) atlas_dirty_ = true;  // text follows the window's height
    }
    have = SDL_PollEvent(&e) != 0;
  }
  return open;
}

std::vector<std::string> Window::take_dropped() { return std::exchange(dropped_, {}); }

float Window::take_pinch() { return std::exchange(pinch_, 0.0f); }

std::pair<float, float> Window::take_drag() {
  return {std::exchange(drag_x_, 0.0f), std::exchange(drag_y_, 0.0f)};
}

void Window::push_drop(const std::string& path) {
  SDL_Event e{};
  e.type = SDL_DROPFILE;
  e.drop.timestamp = SDL_GetTicks();
  e.drop.file = SDL_strdup(path.c_str());  // freed by pump_events, as a real drop's
  e.drop.windowID = SDL_GetWindowID(window_);
  if (SDL_PushEvent(&e) != 1) SDL_free(e.drop.file);
}

void Window::set_ui_text(std::string_view text) {
  ui_text_.assign(text);
  atlas_dirty_ = true;
}

void Window::note_text(std::string_view text) {
  static const ImWchar* common = ImGui::GetIO().Fonts->GetGlyphRangesChineseSimplifiedCommon();
  for_each_code_point(text, [&](uint32_t cp) {
    if (cp >= kMaxBmp || wanted_[cp]) return;
    wanted_[cp] = true;
    for (const ImWchar* r = common; r[0]; r += 2)
      if (cp >= r[0] && cp <= r[1]) return;
    extra_.push_back(cp);
    atlas_dirty_ = true;
  });
}

void Window::set_text_scale(float scale) {
  scale = std::clamp(scale, 0.8f, 1.6f);
  if (std::fabs(scale - text_scale_) < 0.01f) return;
  text_scale_ = scale;
  atlas_dirty_ = true;
}

void Window::build_atlas() {
  ImGuiIO& io = ImGui::GetIO();
  font_px_ = std::round(kBaseFontPx * ui_scale() * text_scale_);
  ImFontGlyphRangesBuilder builder;
  builder.AddRanges(io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
  builder.AddText(ui_text_.data(), ui_text_.data() + ui_text_.size());
  for (uint32_t cp : extra_) builder.AddChar(static_cast<ImWchar>(cp));
  ImVector<ImWchar> ranges;
  builder.BuildRanges(&ranges);
  static_assert(sizeof(ImWchar) == sizeof(uint16_t));
  ranges_.assign(ranges.begin(), ranges.end());

  ImGui_ImplOpenGL3_DestroyFontsTexture();
  io.Fonts->Clear();
  io.Fonts->Flags |= ImFontAtlasFlags_NoPowerOfTwoHeight;
  io.Fonts->TexDesiredWidth = 4096;
  ImFontConfig cfg;
  // CJK glyphs are dense; sub-pixel oversampling triples the atlas and the
  // start-up time for no visible gain at these sizes.
  cfg.OversampleH = 1;
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  io.Fonts->AddFontFromFileTTF(font_path_.c_str(), font_px_, &cfg, reinterpret_cast<const ImWchar*>(ranges_.data()));
  io.Fonts->Build();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  // Every ImGui shape samples the atlas, solid fills its white texel too.
  // Glyphs are pixel-snapped and drawn 1:1, so nearest sampling looks the
  // same and spares a software rasteriser (llvmpipe) most of each pixel's work.
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<intptr_t>(io.Fonts->TexID)));
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  io.Fonts->ClearTexData();  // the GPU has it; the CPU copies are megabytes
  apply_style();
}

void Window::apply_style() {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  const float s = ui_scale();
  // Padding that makes a one-line button at least a finger tall.
  const float pad_y = std::max(10.0f * s, (kTouchTargetPx * s - font_px_) / 2.0f);
  style.FramePadding = ImVec2(14.0f * s, pad_y);
  style.ItemSpacing = ImVec2(12.0f * s, 10.0f * s);
  style.ItemInnerSpacing = ImVec2(10.0f * s, 8.0f * s);
  style.WindowPadding = ImVec2(16.0f * s, 12.0f * s);
  style.ScrollbarSize = 28.0f * s;
  style.GrabMinSize = 36.0f * s;
  style.FrameRounding = 8.0f * s;
  style.ChildRounding = 0.0f;  // big rounded panels cost software renderers a frame-time margin
  style.PopupRounding = 8.0f * s;
  style.ScrollbarRounding = 10.0f * s;
  style.GrabRounding = 8.0f * s;
  style.WindowRounding = 0.0f;
  style.FrameBorderSize = 1.0f;
  style.ChildBorderSize = 1.0f;
  style.TouchExtraPadding = ImVec2(4.0f * s, 4.0f * s);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = kWindowBg;
  c[ImGuiCol_ChildBg] = kPanelBg;
  c[ImGuiCol_Button] = kButtonBg;
  c[ImGuiCol_ButtonHovered] = kButtonHoveredBg;
  c[ImGuiCol_ButtonActive] = kButtonActiveBg;
  c[ImGuiCol_FrameBg] = kPanelBg;
  c[ImGuiCol_Border] = kBorder;
  c[ImGuiCol_Header] = kHeaderBg;
  c[ImGuiCol_HeaderHovered] = kHeaderHoveredBg;
  ImGui::GetStyle() = style;
}

void Window::begin_frame() {
  atlas_rebuilt_ = false;
  if (atlas_dirty_) {
    atlas_dirty_ = false;
    build_atlas();
    atlas_rebuilt_ = true;
  }
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  if (!pointer_) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& down : io.MouseDown) down = false;
  }
  ImGui::NewFrame();
}

void Window::follow_text_input() {
  const bool want = ImGui::GetIO().WantTextInput;
  if (want == text_input_on_) return;
  text_input_on_ = want;
  if (want)
    SDL_StartTextInput();
  else
    SDL_StopTextInput();
}

void Window::end_frame() {
  using Ms = std::chrono::duration<double, std::milli>;
  const auto t0 = std::chrono::steady_clock::now();
  ImGui::Render();
  const ImGuiIO& io = ImGui::GetIO();
  glViewport(0, 0, static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x),
             static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y));
  const ImVec4 ground = ImGui::ColorConvertU32ToFloat4(kGround);
  glClearColor(ground.x, ground.y, ground.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (!shot_path_.empty()) {
    shot_status_ = write_png(shot_path_);
    shot_path_.clear();
  }
  const auto t1 = std::chrono::steady_clock::now();
  SDL_GL_SwapWindow(window_);
  const auto t2 = std::chrono::steady_clock::now();
  gl_ms_ = Ms(t1 - t0).count();
  swap_ms_ = Ms(t2 - t1).count();
  follow_text_input();
}

void Window::request_screenshot(std::string path) { shot_path_ = std::move(path); }

Status Window::write_png(const std::string& path) {
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's rows run bottom-up, PNG's top-down.
  const size_t stride = static_cast<size_t>(w) * 3;
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < h / 2; ++y) {
    unsigned char* a = pixels.data() + y * stride;
    unsigned char* b = pixels.data() + (h - 1 - y) * stride;
    std::copy(a, a + stride, row.data());
    std::copy(b, b + stride, a);
    std::copy(row.data(), row.data() + stride, b);
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (!stbi_write_png(path.c_str(), w, h, 3, pixels.data(), static_cast<int>(stride)))
    return Error{Code::io, "cannot write " + path};
  return Status::ok();
}

}  // namespace gw::client::ui
