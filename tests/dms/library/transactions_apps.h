// The transaction DMs' unit-test cluster: tests/dms/library's LibCluster plus the scenarios'
// TxnStore (append/read lists, write/get registers, per key).
#pragma once

#include <string>
#include <vector>

#include "scenarios/transactions/txn_store.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {

class TxnCluster : public LibCluster {
 public:
  TxnCluster() { classes().add<scenarios::transactions::TxnStore>("TxnStore"); }

  // A TxnStore under `dm` with `config` (YAML flow map), on ks1 unless `regions` (a YAML list of
  // regions: ks1 is in region-1, ks2 in region-2, ...) allows more.
  Stub store(const std::string& dm, const std::string& config = "{}", const std::string& regions = "[region-1]") {
    return create("class: TxnStore\nnodeSelector: [{key: region, operator: in, values: " + regions + "}]\n"
                  "dmList:\n  - name: " + dm + "\n    config: " + config + "\n");
  }

  // key's list as read by `node` outside any transaction (fails the test on an error).
  std::vector<std::int64_t> list(const NodeId& node, const Stub& s, const std::string& key) {
    Reply r = call(node, s, "read", {Value(key)});
    EXPECT_TRUE(r.ok()) << r.status.to_string();
    std::vector<std::int64_t> out;
    if (r.ok()) {
      for (const auto& v : r.value.as_list()) out.push_back(v.as_int());
    }
    return out;
  }
};

using Ints = std::vector<std::int64_t>;

}  // namespace amino::testing
