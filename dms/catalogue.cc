// Renders the DM descriptors: markdown for docs/dm-catalogue.md, plain text for amino-ctl, Values for
// Python. Everything shown comes from the registry; the only fixed prose is the introduction and the
// list of paper DMs not implemented.
#include "dms/catalogue.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "runtime/value_json.h"

namespace amino::dms {

namespace {

bool numeric(const ConfigKey& key) { return key.kind == Value::Kind::kInt || key.kind == Value::Kind::kDouble; }

// A value as a user writes it in YAML/JSON: "tier", 2.0, [], false.
std::string value_text(const Value& v) { return to_json(v).dump(); }

std::string range_text(const ConfigKey& key) {
  if (!numeric(key)) return "";
  return (key.min.is_null() ? std::string("-inf") : value_text(key.min)) + " .. " +
         (key.max.is_null() ? std::string("+inf") : value_text(key.max));
}

std::string joined(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// DMs by category, each list sorted (registry names are).
std::map<std::string, std::vector<std::string>> members_by_category(const DmRegistry& registry) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& name : registry.names()) {
    const std::string& category = registry.find(name)->category;
    if (!category.empty()) out[category].push_back(name);
  }
  return out;
}

// forbid() rules merged for reading: rules with the same reason and the same set of inner DMs
// become one row listing all their outer DMs. Rows keep the order of the first rule of each.
struct RuleRow {
  std::vector<std::string> outers, inners;
  std::string reason;
};

std::vector<RuleRow> rule_rows(const std::vector<DmRegistry::Rule>& rules) {
  // reason -> outer -> inners, in first-seen order.
  std::vector<std::string> reasons;
  std::map<std::string, std::vector<std::string>> outers_of;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> inners_of;
  for (const auto& r : rules) {
    if (std::find(reasons.begin(), reasons.end(), r.reason) == reasons.end()) reasons.push_back(r.reason);
    auto& outers = outers_of[r.reason];
    if (std::find(outers.begin(), outers.end(), r.outer) == outers.end()) outers.push_back(r.outer);
    inners_of[{r.reason, r.outer}].insert(r.inner);
  }
  std::vector<RuleRow> rows;
  for (const auto& reason : reasons) {
    std::vector<RuleRow> mine;
    for (const auto& outer : outers_of[reason]) {
      const std::set<std::string>& inners = inners_of[{reason, outer}];
      const std::vector<std::string> inner_list(inners.begin(), inners.end());
      auto same = std::find_if(mine.begin(), mine.end(), [&](const RuleRow& row) { return row.inners == inner_list; });
      if (same != mine.end()) {
        same->outers.push_back(outer);
      } else {
        mine.push_back(RuleRow{{outer}, inner_list, reason});
      }
    }
    for (auto& row : mine) {
      std::sort(row.outers.begin(), row.outers.end());
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// A table cell: no line breaks, '|' escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c == '\n' ? ' ' : c;
    }
  }
  return out.empty() ? "—" : out;
}

std::string anchor(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (c == '-' || c == '_') out += c;
  }
  return out;
}

std::string key_names(const DmDescriptor& d) {
  std::vector<std::string> names;
  for (const auto& k : d.config) names.push_back(k.name);
  return joined(names);
}

// `text` wrapped at 100 columns, the first line starting with `indent`, the others with `hang`.
std::string wrapped(const std::string& text, const std::string& indent, const std::string& hang = "") {
  constexpr std::size_t kWidth = 100;
  std::istringstream words(text);
  std::string out, line, word;
  const std::string* prefix = &indent;
  const std::string& rest = hang.empty() ? indent : hang;
  while (words >> word) {
    if (!line.empty() && prefix->size() + line.size() + 1 + word.size() > kWidth) {
      out += *prefix + line + "\n";
      line.clear();
      prefix = &rest;
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += *prefix + line + "\n";
  return out;
}

constexpr const char* kIntroduction =
    "DMs are listed in a spec's `dmList` by name, outer first. At spec load `DmRegistry::check_chain`\n"
    "rejects two DMs of the same category and the forbidden orders below; `tests/dms/pairs/` checks every\n"
    "ordered pair. Every config key is typed and has a default; every numeric key has an inclusive range\n"
    "(NaN and infinities are rejected), and a value outside it is a spec error naming DM, key, value and\n"
    "range (`docs/limits.md`). Each DM is one file pair in `dms/` named after it; what several DMs share\n"
    "is in `dms/support.h`.\n";

constexpr const char* kNotImplemented =
    "Paper DMs not implemented yet: LockingTransactions, OptimisticTransactions, the checkpointing\n"
    "family, LoadBalancedFrontEnd, ScaleUpFrontEnd, LoadBalancedMasterSlave (and Amino.Run's DHT and\n"
    "2PC).\n";

void markdown_dm(std::ostringstream& out, const DmDescriptor& d) {
  std::string summary = d.summary;
  if (!summary.empty()) summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
  out << "\n### " << d.name << "\n\n" << summary << ".\n\n";
  out << "Category: " << (d.category.empty() ? "none" : "**" + d.category + "**") << ". Paper DM: " << d.paper
      << ". Code: `" << d.source << "`." << (d.durable ? " Durable: its server state is kept in `Env::storage()`." : "")
      << "\n\n";
  out << "**Guarantee.** " << d.guarantee << "\n\n";
  out << "**Tolerates.** " << d.tolerates << "\n";
  if (!d.caveats.empty()) out << "\n**Caveats.** " << d.caveats << "\n";
  if (d.config.empty()) {
    out << "\nConfig keys: none.\n";
    return;
  }
  out << "\n| config key | type | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : d.config) {
    out << "| `" << k.name << "` | " << kind_name(k.kind) << " | `" << value_text(k.default_value) << "` | "
        << cell(range_text(k)) << " | " << cell(k.doc) << " |\n";
  }
}

}  // namespace

std::string catalogue_markdown(const DmRegistry& registry) {
  std::ostringstream out;
  out << "# DM catalogue\n\n"
      << "<!-- Generated from the DM descriptors: do not edit. Regenerate with `" << kCatalogueCommand << "`. -->\n\n"
      << "Generated from the DM descriptors (`DmDescriptor` in `runtime/dm.h`, filled by each DM's `.cc`\n"
      << "file), the one source of DM metadata; `amino-ctl dms [NAME]` and `amino.catalogue()` show the same.\n"
      << "To change this page, change a descriptor and run `" << kCatalogueCommand << "`\n"
      << "(the test `DmCatalogue.DocsMatchTheDescriptors` fails until then).\n\n"
      << kIntroduction;

  out << "\n| DM | category | summary | config keys |\n|---|---|---|---|\n";
  for (const auto& name : registry.names()) {
    const DmDescriptor& d = *registry.find(name);
    out << "| [" << d.name << "](#" << anchor(d.name) << ") | " << cell(d.category) << " | " << cell(d.summary)
        << " | " << cell(key_names(d)) << " |\n";
  }

  out << "\n## Categories\n\nDMs of one category are mutually exclusive within a chain.\n\n";
  for (const auto& [category, members] : members_by_category(registry)) {
    auto why = registry.categories().find(category);
    out << "- **" << category << "**: " << joined(members) << "."
        << (why == registry.categories().end() ? "" : " Why: " + why->second + ".") << "\n";
  }

  out << "\n## Forbidden orders\n\nBeyond categories, a DM of the first column may not be listed before (outside) one of the\n"
      << "second in the same chain:\n\n| listed first | listed later | why |\n|---|---|---|\n";
  for (const auto& row : rule_rows(registry.rules())) {
    out << "| " << cell(joined(row.outers)) << " | " << cell(joined(row.inners)) << " | " << cell(row.reason) << " |\n";
  }

  out << "\n## DMs\n";
  for (const auto& name : registry.names()) markdown_dm(out, *registry.find(name));

  out << "\n## Not implemented\n\n" << kNotImplemented;
  return out.str();
}

std::string dm_list_text(const DmRegistry& registry) {
  std::size_t name_width = 0, category_width = 0;
  for (const auto& name : registry.names()) {
    name_width = std::max(name_width, name.size());
    category_width = std::max(category_width, registry.find(name)->category.size());
  }
  std::ostringstream out;
  for (const auto& name : registry.names()) {
    const DmDescriptor& d = *registry.find(name);
    const std::string category = d.category.empty() ? "-" : d.category;
    out << name << std::string(name_width + 2 - name.size(), ' ') << category
        << std::string(std::max(category_width, std::size_t{1}) + 2 - category.size(), ' ') << d.summary << "\n";
  }
  return out.str();
}

std::string dm_text(const DmRegistry& registry, const DmDescriptor& d) {
  std::ostringstream out;
  out << d.name << ": " << d.summary << "\n";
  out << "  category:  " << (d.category.empty() ? "none" : d.category) << "\n";
  out << "  paper DM:  " << d.paper << "\n";
  out << "  source:    " << d.source << "\n";
  out << "  durable:   " << (d.durable ? "yes (server state in Env::storage())" : "no") << "\n";
  out << "Guarantee:\n" << wrapped(d.guarantee, "  ");
  out << "Tolerates:\n" << wrapped(d.tolerates, "  ");
  if (!d.caveats.empty()) out << "Caveats:\n" << wrapped(d.caveats, "  ");
  out << "Config keys:" << (d.config.empty() ? " none" : "") << "\n";
  for (const auto& k : d.config) {
    std::string head = "  " + k.name + " (" + kind_name(k.kind) + ", default " + value_text(k.default_value);
    if (numeric(k)) head += ", range " + range_text(k);
    out << head << ")\n" << wrapped(k.doc, "      ");
  }
  std::vector<std::string> rules;
  if (!d.category.empty()) {
    std::vector<std::string> others;
    const auto members = members_by_category(registry);
    for (const auto& name : members.at(d.category)) {
      if (name != d.name) others.push_back(name);
    }
    if (!others.empty()) rules.push_back("not in one chain with " + joined(others) + " (category " + d.category + ")");
  }
  // forbid() rules naming this DM, the other DMs merged per direction and reason.
  std::vector<std::pair<std::string, std::string>> heads;  // ("before"/"after", reason), first-seen order
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> others_of;
  auto note = [&](const std::string& direction, const std::string& reason, const std::string& other) {
    auto head = std::make_pair(direction, reason);
    if (!others_of.contains(head)) heads.push_back(head);
    others_of[head].push_back(other);
  };
  for (const auto& r : registry.rules()) {
    if (r.outer == d.name || r.outer == "*") note("before", r.reason, r.inner);
    if (r.inner == d.name || r.inner == "*") note("after", r.reason, r.outer);
  }
  for (const auto& head : heads) {
    rules.push_back("not listed " + head.first + " " + joined(others_of[head]) + ": " + head.second);
  }
  if (!rules.empty()) {
    out << "Chain rules:\n";
    for (const auto& r : rules) out << wrapped("- " + r, "  ", "    ");
  }
  return out.str();
}

std::string catalogue_command(const DmRegistry& registry, const std::vector<std::string>& args, bool markdown) {
  if (markdown) {
    if (!args.empty()) throw std::invalid_argument("dms --markdown prints the whole catalogue: it takes no DM name");
    return catalogue_markdown(registry);
  }
  if (args.empty()) return dm_list_text(registry);
  if (args.size() > 1) throw std::invalid_argument("dms takes at most one DM name");
  const DmDescriptor* d = registry.find(args[0]);
  if (d == nullptr) throw std::invalid_argument("unknown DM '" + args[0] + "' (registered: " + joined(registry.names()) + ")");
  return dm_text(registry, *d);
}

Value descriptor_value(const DmDescriptor& d) {
  ValueList keys;
  for (const auto& k : d.config) {
    keys.push_back(ValueMap{{"name", k.name},
                            {"type", kind_name(k.kind)},
                            {"default", k.default_value},
                            {"min", k.min},
                            {"max", k.max},
                            {"doc", k.doc}});
  }
  return ValueMap{{"name", d.name},           {"category", d.category},   {"summary", d.summary},
                  {"paper", d.paper},         {"source", d.source},       {"guarantee", d.guarantee},
                  {"tolerates", d.tolerates}, {"caveats", d.caveats},     {"durable", d.durable},
                  {"config", std::move(keys)}};
}

Value categories_value(const DmRegistry& registry) {
  ValueMap out;
  for (const auto& [category, members] : members_by_category(registry)) {
    ValueList names(members.begin(), members.end());
    auto why = registry.categories().find(category);
    out.emplace(category, ValueMap{{"dms", std::move(names)},
                                   {"why", why == registry.categories().end() ? std::string() : why->second}});
  }
  return out;
}

Value forbidden_value(const DmRegistry& registry) {
  ValueList out;
  for (const auto& r : registry.rules()) out.push_back(ValueMap{{"outer", r.outer}, {"inner", r.inner}, {"reason", r.reason}});
  return out;
}

}  // namespace amino::dms
