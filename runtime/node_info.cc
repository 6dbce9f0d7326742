#include "runtime/node_info.h"

#include <algorithm>

namespace amino {

const std::string* NodeInfo::label(const std::string& key) const {
  if (key == "region") return &region;
  if (key == "node") return &id;
  auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

bool Requirement::matches(const NodeInfo& n) const {
  const std::string* v = n.label(key);
  switch (op) {
    case Op::kExists: return v != nullptr;
    case Op::kEquals: return v != nullptr && !values.empty() && *v == values.front();
    case Op::kIn: return v != nullptr && std::find(values.begin(), values.end(), *v) != values.end();
    case Op::kNotIn: return v == nullptr || std::find(values.begin(), values.end(), *v) == values.end();
  }
  return false;
}

std::string Requirement::to_string() const {
  static const char* names[] = {"=", "in", "notin", "exists"};
  std::string s = key + " " + names[static_cast<int>(op)];
  if (op != Op::kExists) {
    s += " [";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
    s += "]";
  }
  return s;
}

bool NodeSelector::matches(const NodeInfo& n) const {
  if (terms.empty()) return true;
  return std::any_of(terms.begin(), terms.end(), [&](const auto& term) {
    return std::all_of(term.begin(), term.end(), [&](const Requirement& r) { return r.matches(n); });
  });
}

std::string NodeSelector::to_string() const {
  std::string s;
  for (std::size_t t = 0; t < terms.size(); ++t) {
    if (t) s += " OR ";
    s += "(";
    for (std::size_t i = 0; i < terms[t].size(); ++i) s += (i ? " AND " : "") + terms[t][i].to_string();
    s += ")";
  }
  return s.empty() ? "(any)" : s;
}

}  // namespace amino
