// YAML spec parsing and validation (yaml-cpp 0.7).
//
// Every error is reported as SpecError(line, field, message), where `field` is the path of the
// offending node as written in the document ("dmList[1].config.timeoutMs",
// "nodeSelector[0][1].operator"), so a user can find the mistake without reading this code.
// Scalars follow the YAML 1.2 core schema (not yaml-cpp's 1.1-style as<bool>, which would turn
// `name: yes` into a bool): plain ints, floats, true/false and null are typed; quoted scalars are
// always strings.
#include "runtime/spec.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "runtime/limits.h"
#include "runtime/protocol.h"
#include "runtime/wire.h"

namespace amino {

SpecError::SpecError(int line, std::string field, const std::string& message)
    : std::runtime_error("spec line " + std::to_string(line) + (field.empty() ? "" : ", field " + field) +
                         ": " + message),
      line_(line),
      field_(std::move(field)) {}

namespace {

// ---------------------------------------------------------------------------------------------
// Paths and positions

std::string member(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// yaml-cpp lines are 0-based; a node without a position (null_mark) reports line 0.
int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

[[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& message) {
  throw SpecError(line_of(at), field, message);
}

const char* yaml_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "list";
    case YAML::NodeType::Map: return "map";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "scalar";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

// ---------------------------------------------------------------------------------------------
// Characters

// Offset of the first byte that does not start a well-formed UTF-8 character (Unicode table 3-7: no
// overlong forms, surrogates or code points past U+10FFFF), or npos. With printable_only, also of
// the first character outside YAML 1.2's c-printable set (no control characters but tab, line
// breaks and NEL; no U+FFFE/U+FFFF): yaml-cpp checks the characters its escapes produce, but not
// the stream's own.
std::size_t first_bad_char(std::string_view s, bool printable_only) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b < 0x80) len = 1;
    else if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b == 0xE0) len = 3, lo = 0xA0;
    else if (b >= 0xE1 && b <= 0xEC) len = 3;
    else if (b == 0xED) len = 3, hi = 0x9F;
    else if (b >= 0xEE && b <= 0xEF) len = 3;
    else if (b == 0xF0) len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) len = 4;
    else if (b == 0xF4) len = 4, hi = 0x8F;
    else return i;
    if (i + static_cast<std::size_t>(len) > s.size()) return i;
    char32_t cp = len == 1 ? b : (b & (0x7F >> len));
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    const bool printable = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
                           (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (printable_only && !printable) return i;
    i += static_cast<std::size_t>(len);
  }
  return std::string_view::npos;
}

std::size_t invalid_utf8_at(std::string_view s) { return first_bad_char(s, /*printable_only=*/false); }

// ---------------------------------------------------------------------------------------------
// Scalars (YAML 1.2 core schema)

bool is_null_text(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> bool_text(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// An int literal (decimal, 0x hex, 0o octal); nullopt if `s` is not one. Out of range throws.
std::optional<std::int64_t> int_text(const std::string& s, const YAML::Node& at, const std::string& field) {
  static const std::regex decimal("[-+]?[0-9]+"), hex("0x[0-9a-fA-F]+"), octal("0o[0-7]+");
  int base = 10;
  std::string digits = s;
  if (std::regex_match(s, hex)) {
    base = 16, digits = s.substr(2);
  } else if (std::regex_match(s, octal)) {
    base = 8, digits = s.substr(2);
  } else if (!std::regex_match(s, decimal)) {
    return std::nullopt;
  }
  if (digits.front() == '+') digits.erase(0, 1);  // from_chars takes no '+'
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || end != digits.data() + digits.size())
    fail(at, field, "integer out of range: " + s);
  return value;
}

std::optional<double> float_text(const std::string& s) {
  static const std::regex number("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex infinity("[-+]?\\.(inf|Inf|INF)"), not_a_number("\\.(nan|NaN|NAN)");
  if (std::regex_match(s, infinity)) {
    return s.front() == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  if (std::regex_match(s, not_a_number)) return std::numeric_limits<double>::quiet_NaN();
  if (!std::regex_match(s, number)) return std::nullopt;
  const std::string digits = s.front() == '+' ? s.substr(1) : s;
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

Value plain_scalar(const YAML::Node& node, const std::string& field) {
  const std::string& s = node.Scalar();
  if (is_null_text(s)) return Value();
  if (auto b = bool_text(s)) return *b;
  if (auto i = int_text(s, node, field)) return *i;
  if (auto d = float_text(s)) return *d;
  return s;
}

Value scalar_to_value(const YAML::Node& node, const std::string& field) {
  // "!" is what yaml-cpp gives quoted scalars; "?" is an untagged plain scalar.
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
  return plain_scalar(node, field);
}

// ---------------------------------------------------------------------------------------------
// Maps: keys are checked once (scalar, unique) so lookups below never touch yaml-cpp's
// operator[], which yields throwing "zombie" nodes for absent keys.

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class MapReader {
 public:
  MapReader(const YAML::Node& map, std::string path) : map_(map), path_(std::move(path)) {
    for (auto it = map.begin(); it != map.end(); ++it) add(it->first, it->second);
  }

  const Entry* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  const Entry& require(const std::string& key) const {
    if (const Entry* e = find(key)) return *e;
    fail(map_, member(path_, key), "required field '" + key + "' is missing");
  }

  void reject_unknown(const std::set<std::string>& allowed, const std::string& what) const {
    for (const auto& e : entries_) {
      if (allowed.contains(e.key)) continue;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(e.key_node, member(path_, e.key),
           "unknown " + what + " field '" + e.key + "' (allowed: " + list + ")");
    }
  }

  const std::vector<Entry>& entries() const { return entries_; }
  std::string path(const Entry& e) const { return member(path_, e.key); }

 private:
  void add(const YAML::Node& key, const YAML::Node& value) {
    if (!key.IsScalar()) fail(key, path_, "map keys must be scalars, got " + std::string(yaml_kind(key)));
    const std::string& name = key.Scalar();
    // yaml-cpp keeps both copies of a repeated key; which one wins would be an accident.
    if (!index_.emplace(name, entries_.size()).second) fail(key, member(path_, name), "duplicate field '" + name + "'");
    entries_.push_back(Entry{name, key, value});
  }

  YAML::Node map_;
  std::string path_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t> index_;  // a linear scan per key would make wide maps quadratic
};

// ---------------------------------------------------------------------------------------------
// Input limits (runtime/limits.h)

// Walks the whole document once, aliases expanded as the conversion below will expand them, and
// stops at the first limit exceeded. yaml-cpp keeps an aliased node shared, so loading a 361-byte
// alias bomb is cheap; walking it is not (27 s and 3 GB, then bad_alloc, before this check). Every
// later pass visits each node a bounded number of times, so after this check the whole parse is
// bounded by kMaxSpecNodes nodes and kMaxSpecScalarBytes bytes. Recursion depth is bounded by
// kMaxSpecDepth (a self-referencing alias is stopped there too).
class ExpansionCheck {
 public:
  void visit(const YAML::Node& node, int depth) {
    if (++nodes_ > kMaxSpecNodes) {
      exceeded(node, "the spec expands to more than " + std::to_string(kMaxSpecNodes) +
                         " YAML nodes (an aliased node counts once per use)",
               "kMaxSpecNodes", kMaxSpecNodes);
    }
    if (depth > kMaxSpecDepth) {
      exceeded(node, "the spec is nested deeper than " + std::to_string(kMaxSpecDepth) + " levels", "kMaxSpecDepth",
               kMaxSpecDepth);
    }
    switch (node.Type()) {
      case YAML::NodeType::Scalar: add_scalar(node); break;
      case YAML::NodeType::Sequence: {
        std::size_t i = 0;
        for (auto it = node.begin(); it != node.end(); ++it, ++i) {
          path_.push_back(Segment{nullptr, i});
          visit(*it, depth + 1);
          path_.pop_back();
        }
        break;
      }
      case YAML::NodeType::Map:
        for (auto it = node.begin(); it != node.end(); ++it) {
          const bool scalar_key = it->first.IsScalar();
          if (scalar_key && it->first.Scalar().size() > kMaxSpecKeyBytes) {
            exceeded(it->first, "a map key of " + std::to_string(it->first.Scalar().size()) + " bytes",
                     "kMaxSpecKeyBytes", kMaxSpecKeyBytes);
          }
          visit(it->first, depth + 1);  // keys count too; MapReader rejects non-scalar ones later
          path_.push_back(Segment{scalar_key ? &it->first.Scalar() : nullptr, 0});
          visit(it->second, depth + 1);
          path_.pop_back();
        }
        break;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: break;
    }
  }

 private:
  struct Segment {
    const std::string* key;  // a map member, or (nullptr) list element `index`
    std::size_t index;
  };

  void add_scalar(const YAML::Node& node) {
    // Valid UTF-8 text can still read as a string the wire refuses: yaml-cpp turned "\0_" into a
    // lone 0xA0 byte (found by fuzz/spec_yaml_fuzz). So every scalar is checked as read.
    if (invalid_utf8_at(node.Scalar()) != std::string_view::npos) {
      throw SpecError(line_of(node), field(), "a string of the spec is not UTF-8 once read (check its escapes)");
    }
    scalar_bytes_ += node.Scalar().size();
    if (scalar_bytes_ > kMaxSpecScalarBytes) {
      exceeded(node, "the spec's scalars add up to more than " + std::to_string(kMaxSpecScalarBytes) +
                         " bytes (an aliased scalar counts once per use)",
               "kMaxSpecScalarBytes", kMaxSpecScalarBytes);
    }
  }

  // The path is rendered only here: building one string per node would cost depth x nodes.
  std::string field() const {
    std::string out;
    for (const auto& s : path_) out = s.key != nullptr ? member(out, *s.key) : element(out, s.index);
    return out;
  }

  [[noreturn]] void exceeded(const YAML::Node& at, const std::string& what, const char* limit, std::size_t value) {
    throw SpecError(line_of(at), field(), LimitExceeded(what, limit, static_cast<long long>(value)).what());
  }

  std::size_t nodes_ = 0;
  std::size_t scalar_bytes_ = 0;
  std::vector<Segment> path_;
};

// ---------------------------------------------------------------------------------------------
// Generic conversion and typed fields

Value yaml_to_value(const YAML::Node& node, const std::string& field) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return scalar_to_value(node, field);
    case YAML::NodeType::Sequence: {
      ValueList list;
      for (std::size_t i = 0; i < node.size(); ++i) list.push_back(yaml_to_value(node[i], element(field, i)));
      return list;
    }
    case YAML::NodeType::Map: {
      MapReader reader(node, field);
      ValueMap map;
      for (const auto& e : reader.entries()) map.emplace(e.key, yaml_to_value(e.value, reader.path(e)));
      return map;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
  }
  return Value();
}

// The node as a value of `want`, or nullopt. Ints widen to double: `timeoutMs: 2` is a fine double.
std::optional<Value> coerce(Value v, Value::Kind want) {
  if (v.kind() == want) return v;
  if (want == Value::Kind::kDouble && v.kind() == Value::Kind::kInt) return static_cast<double>(v.as_int());
  if (want == Value::Kind::kBytes && v.kind() == Value::Kind::kString) return Bytes{v.as_string()};
  return std::nullopt;
}

Value typed_field(const YAML::Node& node, const std::string& field, Value::Kind want) {
  Value v = yaml_to_value(node, field);
  std::optional<Value> typed = coerce(v, want);
  if (!typed) fail(node, field, std::string("expected ") + kind_name(want) + ", got " + kind_name(v.kind()));
  return std::move(*typed);
}

std::string string_field(const Entry& e, const std::string& field) {
  return typed_field(e.value, field, Value::Kind::kString).as_string();
}

// A label key or value: any scalar, taken verbatim (`values: [1]` means the label text "1").
std::string label_text(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) fail(node, field, std::string("expected a string, got ") + yaml_kind(node));
  return node.Scalar();
}

void require_kind(const YAML::Node& node, YAML::NodeType::value type, const std::string& field,
                  const char* expected) {
  if (node.Type() != type)
    fail(node, field, std::string("expected ") + expected + ", got " + yaml_kind(node));
}

// ---------------------------------------------------------------------------------------------
// Node selectors

Requirement::Op parse_operator(const YAML::Node& node, const std::string& field) {
  const std::string op = label_text(node, field);
  if (op == "=" || op == "==") return Requirement::Op::kEquals;
  if (op == "in") return Requirement::Op::kIn;
  if (op == "notin") return Requirement::Op::kNotIn;
  if (op == "exists") return Requirement::Op::kExists;
  fail(node, field, "unknown operator '" + op + "' (expected one of =, ==, in, notin, exists)");
}

// "=" compares with exactly one value, in/notin need a set to test, exists looks at the key only.
void check_arity(const Requirement& r, const YAML::Node& at, const std::string& field) {
  const std::size_t n = r.values.size();
  const std::string got = ", got " + std::to_string(n);
  switch (r.op) {
    case Requirement::Op::kEquals:
      if (n != 1) fail(at, field, "operator '=' needs exactly one value" + got);
      break;
    case Requirement::Op::kIn:
    case Requirement::Op::kNotIn:
      if (n == 0)
        fail(at, field,
             "operator '" + std::string(r.op == Requirement::Op::kIn ? "in" : "notin") +
                 "' needs at least one value");
      break;
    case Requirement::Op::kExists:
      if (n != 0) fail(at, field, "operator 'exists' takes no values" + got);
      break;
  }
}

Requirement parse_requirement(const YAML::Node& node, const std::string& path) {
  require_kind(node, YAML::NodeType::Map, path, "a requirement map {key, operator, values}");
  MapReader map(node, path);
  map.reject_unknown({"key", "operator", "values"}, "requirement");
  Requirement r;
  const Entry& key = map.require("key");
  r.key = label_text(key.value, map.path(key));
  if (r.key.empty()) fail(key.value, map.path(key), "the label key must not be empty");
  const Entry& op = map.require("operator");
  r.op = parse_operator(op.value, map.path(op));
  const Entry* values = map.find("values");
  if (values != nullptr && !values->value.IsNull()) {
    const std::string field = map.path(*values);
    require_kind(values->value, YAML::NodeType::Sequence, field, "a list of values");
    for (std::size_t i = 0; i < values->value.size(); ++i) {
      r.values.push_back(label_text(values->value[i], element(field, i)));
    }
  }
  check_arity(r, values != nullptr ? values->value : node, member(path, "values"));
  return r;
}

std::vector<Requirement> parse_term(const YAML::Node& node, const std::string& path) {
  require_kind(node, YAML::NodeType::Sequence, path, "a term (a list of requirements)");
  // An empty term matches every node, which would silently turn the whole OR into "anywhere".
  if (node.size() == 0) fail(node, path, "empty term; omit the selector to allow every node");
  std::vector<Requirement> term;
  for (std::size_t i = 0; i < node.size(); ++i) term.push_back(parse_requirement(node[i], element(path, i)));
  return term;
}

// Either one term (a list of requirement maps) or a list of terms (a list of lists), ORed.
NodeSelector parse_selector(const YAML::Node& node, const std::string& path) {
  NodeSelector selector;
  if (node.IsNull()) return selector;
  require_kind(node, YAML::NodeType::Sequence, path, "a list of requirements or a list of terms");
  if (node.size() == 0) return selector;
  if (!node[0].IsSequence()) {
    selector.terms.push_back(parse_term(node, path));
    return selector;
  }
  for (std::size_t i = 0; i < node.size(); ++i)
    selector.terms.push_back(parse_term(node[i], element(path, i)));
  return selector;
}

// ---------------------------------------------------------------------------------------------
// DM list

DmConfig parse_config(const YAML::Node& node, const std::string& path, const DmDescriptor& dm) {
  DmConfig config;
  if (!node.IsNull()) {
    require_kind(node, YAML::NodeType::Map, path, "a map of configuration keys");
    MapReader map(node, path);
    for (const auto& e : map.entries()) {
      auto key = std::find_if(dm.config.begin(), dm.config.end(),
                              [&](const ConfigKey& k) { return k.name == e.key; });
      if (key == dm.config.end()) {
        std::string known;
        for (const auto& k : dm.config) known += (known.empty() ? "" : ", ") + k.name;
        fail(e.key_node, map.path(e),
             "unknown config key '" + e.key + "' for DM " + dm.name +
                 " (known: " + (known.empty() ? "none" : known) + ")");
      }
      Value value = typed_field(e.value, map.path(e), key->kind);
      if (auto why = config_value_problem(dm.name, *key, value)) fail(e.value, map.path(e), *why);
      config.emplace(e.key, std::move(value));
    }
  }
  for (const auto& k : dm.config) config.emplace(k.name, k.default_value);  // no-op for keys given
  return config;
}

DmSpec parse_dm(const YAML::Node& node, const std::string& path, const DmRegistry& registry) {
  require_kind(node, YAML::NodeType::Map, path, "a map {name, config, nodeSelector}");
  MapReader map(node, path);
  map.reject_unknown({"name", "config", "nodeSelector"}, "dmList entry");
  DmSpec dm;
  dm.line = line_of(node);
  const Entry& name = map.require("name");
  dm.name = string_field(name, map.path(name));
  const DmDescriptor* desc = registry.find(dm.name);
  if (desc == nullptr) {
    std::string known;
    for (const auto& n : registry.names()) known += (known.empty() ? "" : ", ") + n;
    fail(name.value, map.path(name), "unknown DM '" + dm.name + "' (registered: " + known + ")");
  }
  const Entry* config = map.find("config");
  dm.config =
      parse_config(config ? config->value : YAML::Node(YAML::NodeType::Null), member(path, "config"), *desc);
  if (const Entry* sel = map.find("nodeSelector")) dm.selector = parse_selector(sel->value, map.path(*sel));
  return dm;
}

DmSpec default_dm(const YAML::Node& at, const DmRegistry& registry) {
  const DmDescriptor* desc = registry.find("DefaultDM");
  if (desc == nullptr) fail(at, "dmList", "dmList is empty and no DefaultDM is registered");
  DmSpec dm;
  dm.name = desc->name;
  for (const auto& k : desc->config) dm.config.emplace(k.name, k.default_value);
  dm.line = line_of(at);
  return dm;
}

// check_chain reports pairwise conflicts, so the shortest rejected prefix ends at the DM that
// completes the conflict: that later DM's line is the one to show.
void check_dm_chain(const std::vector<DmSpec>& dms, const DmRegistry& registry) {
  std::vector<std::string> prefix;
  for (const auto& dm : dms) {
    prefix.push_back(dm.name);
    if (auto reason = registry.check_chain(prefix)) throw SpecError(dm.line, "dmList", *reason);
  }
}

std::vector<DmSpec> parse_dm_list(const Entry* entry, const YAML::Node& top, const DmRegistry& registry) {
  std::vector<DmSpec> dms;
  if (entry != nullptr && !entry->value.IsNull()) {
    require_kind(entry->value, YAML::NodeType::Sequence, "dmList", "a list of DMs (outer first)");
    for (std::size_t i = 0; i < entry->value.size(); ++i) {
      dms.push_back(parse_dm(entry->value[i], element("dmList", i), registry));
    }
  }
  if (dms.empty()) dms.push_back(default_dm(entry ? entry->key_node : top, registry));
  check_dm_chain(dms, registry);
  return dms;
}

// ---------------------------------------------------------------------------------------------
// Top level

// The OMS receives a create's arguments whole and forwards them to the first replica.
std::optional<std::string> args_problem(const ValueList& args) {
  const std::size_t bytes = wire::encode_value(args).size();
  if (bytes <= kMaxCreateArgsBytes) return std::nullopt;
  return LimitExceeded("constructor arguments encode to " + std::to_string(bytes) + " bytes", "kMaxCreateArgsBytes",
                       static_cast<long long>(kMaxCreateArgsBytes))
      .what();
}

ValueList parse_args(const Entry& e) {
  require_kind(e.value, YAML::NodeType::Sequence, "args", "a list of constructor arguments");
  ValueList args = yaml_to_value(e.value, "args").as_list();
  if (auto why = args_problem(args)) fail(e.value, "args", *why);
  return args;
}

MicroServiceSpec parse_document(const YAML::Node& doc, const DmRegistry& registry) {
  if (!doc.IsMap())
    fail(doc, "", std::string("the spec must be a map at the top level, got ") + yaml_kind(doc));
  MapReader top(doc, "");
  top.reject_unknown({"name", "class", "args", "nodeSelector", "dmList"}, "top-level");
  MicroServiceSpec spec;
  if (const Entry* name = top.find("name")) spec.name = string_field(*name, "name");
  const Entry& cls = top.require("class");
  spec.class_name = string_field(cls, "class");
  if (spec.class_name.empty()) fail(cls.value, "class", "must not be empty");
  if (const Entry* args = top.find("args"); args != nullptr && !args->value.IsNull())
    spec.args = parse_args(*args);
  if (const Entry* sel = top.find("nodeSelector")) spec.selector = parse_selector(sel->value, "nodeSelector");
  spec.dms = parse_dm_list(top.find("dmList"), doc, registry);
  return spec;
}

// Records where each document starts and ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7's parser can report a document without consuming any input (a stream starting with
// ',': yaml-cpp issue #1040), and YAML::LoadAll then loops forever, allocating a document per turn
// (found by fuzz/spec_yaml_fuzz). So a first, event-only pass checks that every document starts
// past the previous one before LoadAll builds the nodes.
void check_documents_advance(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    const auto n = starts.marks.size();
    if (n >= 2 && starts.marks[n - 1].pos == starts.marks[n - 2].pos) {
      throw SpecError(starts.marks[n - 1].line + 1, "", "malformed YAML: unexpected token at column " +
                                                            std::to_string(starts.marks[n - 1].column + 1));
    }
  }
}

std::vector<YAML::Node> load_documents(std::string_view yaml) {
  // yaml-cpp does not check the stream's characters: it passes bytes that are not UTF-8 through to
  // strings (which the OMS then cannot decode from the wire) and turns a raw NUL into other bytes,
  // a silently wrong string (both found by fuzz/spec_yaml_fuzz).
  if (const auto bad = first_bad_char(yaml, /*printable_only=*/true); bad != std::string_view::npos) {
    const auto line = 1 + std::count(yaml.begin(), yaml.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    throw SpecError(static_cast<int>(line), "",
                    "a spec must be UTF-8 text of printable characters (YAML 1.2 c-printable; tab and line "
                    "breaks allowed): bad byte at offset " + std::to_string(bad));
  }
  try {
    const std::string text(yaml);
    check_documents_advance(text);
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw SpecError(e.mark.line + 1, "", "malformed YAML: " + e.msg);
  }
}

Value dm_to_value(const DmSpec& dm) {
  return ValueMap{{"name", dm.name},
                  {"config", dm.config},
                  {"selector", selector_to_value(dm.selector)},
                  {"line", dm.line}};
}

DmSpec dm_from_value(const Value& v) {
  DmSpec dm;
  dm.name = v.at("name").as_string();
  dm.config = v.at("config").as_map();
  dm.selector = selector_from_value(v.at("selector"));
  dm.line = static_cast<int>(v.at("line").as_int());
  return dm;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API

std::vector<std::string> MicroServiceSpec::dm_names() const {
  std::vector<std::string> names;
  names.reserve(dms.size());
  for (const auto& dm : dms) names.push_back(dm.name);
  return names;
}

const NodeSelector& MicroServiceSpec::selector_for(std::size_t level) const {
  const NodeSelector& own = dms.at(level).selector;
  return own.empty() ? selector : own;
}

Value MicroServiceSpec::to_value() const {
  ValueList dm_values;
  for (const auto& dm : dms) dm_values.push_back(dm_to_value(dm));
  return ValueMap{{"name", name},
                  {"class", class_name},
                  {"args", args},
                  {"selector", selector_to_value(selector)},
                  {"dms", std::move(dm_values)}};
}

MicroServiceSpec MicroServiceSpec::from_value(const Value& v) {
  MicroServiceSpec spec;
  spec.name = v.at("name").as_string();
  spec.class_name = v.at("class").as_string();
  spec.args = v.at("args").as_list();
  spec.selector = selector_from_value(v.at("selector"));
  for (const auto& dm : v.at("dms").as_list()) spec.dms.push_back(dm_from_value(dm));
  return spec;
}

MicroServiceSpec parse_spec(std::string_view yaml, const DmRegistry& dms) {
  if (yaml.size() > kMaxSpecBytes) {
    throw SpecError(1, "", LimitExceeded("the spec text is " + std::to_string(yaml.size()) + " bytes", "kMaxSpecBytes",
                                         static_cast<long long>(kMaxSpecBytes))
                               .what());
  }
  std::vector<YAML::Node> docs = load_documents(yaml);
  if (docs.empty()) throw SpecError(1, "", "the spec is empty");
  if (docs.size() > 1) fail(docs[1], "", "expected one YAML document, got " + std::to_string(docs.size()));
  ExpansionCheck().visit(docs.front(), 1);
  return parse_document(docs.front(), dms);
}

std::optional<std::string> spec_problem(const MicroServiceSpec& spec, const DmRegistry& dms) {
  if (auto why = dms.check_chain(spec.dm_names())) return why;
  for (const auto& dm : spec.dms) {
    if (auto why = config_problem(*dms.find(dm.name), dm.config)) return why;  // check_chain: all known
  }
  return args_problem(spec.args);
}

MicroServiceSpec load_spec_file(const std::string& path, const DmRegistry& dms) {
  std::ifstream in(path);
  // An ifstream happily "opens" a directory and then reads nothing.
  if (!in || std::filesystem::is_directory(path)) {
    throw SpecError(0, "file", "cannot read spec file '" + path + "'");
  }
  // Reads one byte past the limit, so parse_spec reports an oversized file without it all in memory.
  std::string text(kMaxSpecBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSpecBytes) {
    throw SpecError(0, "file", LimitExceeded("spec file '" + path + "' is larger than " + std::to_string(kMaxSpecBytes) +
                                                 " bytes",
                                             "kMaxSpecBytes", static_cast<long long>(kMaxSpecBytes))
                                   .what());
  }
  return parse_spec(text, dms);
}

}  // namespace amino
