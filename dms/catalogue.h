// The DM catalogue, rendered from a DmRegistry: the descriptors (runtime/dm.h DmDescriptor) are the
// one source of DM metadata, and these are the only ways it is shown: docs/dm-catalogue.md (generated,
// checked by tests/dms/catalogue), `amino-ctl dms [NAME]` and amino.catalogue() in Python.
#pragma once

#include <string>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms {

// docs/dm-catalogue.md: a fixed introduction, an overview table, categories, forbidden orders and
// one section per DM (guarantee, tolerated faults, caveats, config keys with type, default, range).
std::string catalogue_markdown(const DmRegistry& registry);

// Command to regenerate docs/dm-catalogue.md (named in the file and in the test's failure message).
inline constexpr const char* kCatalogueCommand = "amino-ctl dms --markdown > docs/dm-catalogue.md";

// `amino-ctl dms`: one line per DM: name, category, summary.
std::string dm_list_text(const DmRegistry& registry);

// `amino-ctl dms NAME`: the whole descriptor of `dm` as plain text, with the chain rules naming it.
std::string dm_text(const DmRegistry& registry, const DmDescriptor& dm);

// What `amino-ctl dms [NAME] [--markdown]` prints: the list, one DM's descriptor, or (markdown)
// docs/dm-catalogue.md. Throws std::invalid_argument for an unknown DM or extra arguments.
std::string catalogue_command(const DmRegistry& registry, const std::vector<std::string>& args, bool markdown);

// One descriptor as a Value map (everything but the factories): name, category, summary, paper,
// source, guarantee, tolerates, caveats, durable, and config: a list of {name, type, default, min,
// max, doc} (min/max null when unbounded or not numeric).
Value descriptor_value(const DmDescriptor& dm);

// The registry's compatibility data as Values: {category: why} and a list of {outer, inner, reason}.
Value categories_value(const DmRegistry& registry);
Value forbidden_value(const DmRegistry& registry);

}  // namespace amino::dms
