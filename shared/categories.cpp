#include "shared/categories.hpp"

namespace gw {
namespace {

constexpr TimeLimit H(int n) { return {n, LimitUnit::working_hours}; }
constexpr TimeLimit D(int n) { return {n, LimitUnit::working_days}; }
constexpr RouteHint G = RouteHint::grid;
constexpr RouteHint Dept = RouteHint::department;

constexpr MajorClass kMajors[] = {
    {"01", "市容环境", "City environment"},
    {"02", "安全生产", "Work safety"},
    {"03", "矛盾纠纷", "Disputes"},
    {"04", "突发事件", "Emergencies"},
    {"05", "社会治安", "Public order"},
    {"06", "民生服务", "Community services"},
    {"07", "企业服务", "Enterprise services"},
};

constexpr CategorySpec kCategories[] = {
    {"0101", "乱堆物堆料", "Illegal piling", H(8), H(4), G, false},
    {"0102", "暴露垃圾", "Exposed rubbish", H(4), H(2), G, false},
    {"0103", "违法小广告", "Illegal posters", D(1), H(4), G, false},
    {"0104", "占道经营", "Street vending on the road", H(8), H(4), G, false},
    {"0105", "道路破损", "Damaged road", D(3), D(1), Dept, false},
    {"0201", "消防隐患", "Fire hazard", H(8), H(2), G, false},
    {"0202", "危化品隐患", "Hazardous chemicals", H(4), H(1), Dept, false},
    {"0203", "违规用电", "Unsafe electricity use", D(1), H(4), G, false},
    {"0204", "特种设备隐患", "Special equipment hazard", D(2), D(1), Dept, false},
    {"0301", "劳资纠纷", "Wage arrears dispute", D(3), D(1), Dept, true},
    {"0302", "邻里纠纷", "Neighbour dispute", D(5), D(2), G, true},
    {"0303", "物业管理纠纷", "Property management dispute", D(5), D(2), G, true},
    {"0304", "婚姻家庭纠纷", "Marriage and family dispute", D(5), D(2), G, true},
    {"0305", "房屋土地纠纷", "Housing and land dispute", D(10), D(5), Dept, true},
    {"0306", "消费纠纷", "Consumer dispute", D(5), D(2), G, true},
    {"0401", "火灾", "Fire", H(1), H(1), Dept, false},
    {"0402", "群体性事件", "Mass incident", H(1), H(1), Dept, false},
    {"0403", "自然灾害", "Natural disaster", H(2), H(1), Dept, false},
    {"0404", "公共卫生事件", "Public health incident", H(2), H(1), Dept, false},
    {"0501", "治安隐患", "Public order hazard", D(1), H(4), Dept, false},
    {"0502", "可疑人员", "Suspicious person", H(4), H(2), Dept, false},
    {"0601", "困难帮扶", "Hardship assistance", D(5), D(2), G, false},
    {"0602", "政策咨询", "Policy enquiry", D(3), D(1), G, false},
    {"0603", "就业服务", "Employment service", D(5), D(3), G, false},
    {"0701", "用工需求", "Staffing needs", D(5), D(3), G, false},
    {"0702", "欠薪隐患", "Risk of unpaid wages", D(2), D(1), Dept, false},
    {"0703", "政策兑现", "Policy fulfilment", D(10), D(5), Dept, false},
};

}  // namespace

std::span<const MajorClass> major_classes() { return kMajors; }
std::span<const CategorySpec> categories() { return kCategories; }

const CategorySpec* find_category(std::string_view code) {
  for (const auto& c : kCategories)
    if (c.code == code) return &c;
  return nullptr;
}

const MajorClass* find_major_class(std::string_view code) {
  for (const auto& m : kMajors)
    if (m.code == code) return &m;
  return nullptr;
}

bool is_category_code(std::string_view code) { return find_category(code) != nullptr; }

}  // namespace gw
