// The client's colours, named for what they mean on screen. Dear ImGui 1.86's
// ImVec4 has no constexpr constructor, so those are inline const; the packed
// ImU32 colours of the draw list are constexpr.
#pragma once

#include <imgui.h>

namespace gw::client::ui {

// Lights, dots and badges.
// The window's clear colour: what shows wherever nothing is drawn.
inline constexpr ImU32 kGround = IM_COL32(245, 247, 250, 255);
inline constexpr ImU32 kGreen = IM_COL32(46, 160, 67, 255);
inline constexpr ImU32 kYellow = IM_COL32(230, 170, 0, 255);
inline constexpr ImU32 kRed = IM_COL32(214, 45, 32, 255);
inline constexpr ImU32 kGrey = IM_COL32(140, 140, 140, 255);
inline constexpr ImU32 kAmber = IM_COL32(190, 110, 0, 255);     // waiting on someone: deferred, pending, a decision due
inline constexpr ImU32 kPurple = IM_COL32(100, 70, 160, 255);   // confidential cases, state columns
inline constexpr ImU32 kBlue = IM_COL32(33, 107, 209, 255);     // review columns, the grid chosen on the map
inline constexpr ImU32 kContestedTint = IM_COL32(253, 236, 234, 255);  // behind a field with an open conflict

// Words.
inline const ImVec4 kRedText{0.80f, 0.12f, 0.10f, 1.0f};
inline const ImVec4 kMutedText{0.40f, 0.42f, 0.46f, 1.0f};
inline const ImVec4 kGreenText{0.10f, 0.50f, 0.20f, 1.0f};
inline const ImVec4 kTitleText{0.10f, 0.25f, 0.50f, 1.0f};      // headings, the app's name, the record editor's title
inline const ImVec4 kPendingText{0.75f, 0.45f, 0.0f, 1.0f};     // the top bar's count of changes not yet synced
inline const ImVec4 kTextOnFill{1.0f, 1.0f, 1.0f, 1.0f};        // on coloured buttons and banners, plain toasts
inline const ImVec4 kToastErrorText{1.0f, 0.45f, 0.40f, 1.0f};  // a red that reads on kToastBg

// Buttons, banners and panels.
inline const ImVec4 kPrimary{0.13f, 0.42f, 0.82f, 1.0f};         // primary buttons, chosen toggles, next steps
inline const ImVec4 kDanger{0.80f, 0.20f, 0.16f, 1.0f};          // danger buttons: sign out, refuse, end, take over
inline const ImVec4 kTakeoverBanner{0.80f, 0.12f, 0.10f, 1.0f};  // home: grids in takeover; the red of kRedText
inline const ImVec4 kContestedBanner{0.85f, 0.42f, 0.0f, 1.0f};  // case: an open conflict waits for an admin
inline const ImVec4 kNoticesPanel{1.0f, 0.97f, 0.88f, 1.0f};     // home: unread notices
inline const ImVec4 kTopBarBg{0.90f, 0.93f, 0.97f, 1.0f};
inline const ImVec4 kToastBg{0.15f, 0.16f, 0.18f, 1.0f};

// The theme (Window::apply_style), over ImGui's light style.
inline const ImVec4 kWindowBg{0.96f, 0.97f, 0.98f, 1.0f};
inline const ImVec4 kPanelBg{1.0f, 1.0f, 1.0f, 1.0f};  // child windows and input fields
inline const ImVec4 kButtonBg{0.85f, 0.90f, 0.97f, 1.0f};
inline const ImVec4 kButtonHoveredBg{0.74f, 0.83f, 0.96f, 1.0f};
inline const ImVec4 kButtonActiveBg{0.58f, 0.72f, 0.94f, 1.0f};
inline const ImVec4 kBorder{0.70f, 0.74f, 0.80f, 1.0f};
inline const ImVec4 kHeaderBg{0.88f, 0.92f, 0.98f, 1.0f};  // chosen list rows and combo items
inline const ImVec4 kHeaderHoveredBg{0.78f, 0.86f, 0.97f, 1.0f};

}  // namespace gw::client::ui
