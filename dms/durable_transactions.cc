#include "dms/durable_transactions.h"

#include <cstdio>

#include "dms/support_transactions.h"
#include "runtime/wire.h"

namespace amino::dms {

namespace {

// Storage layout, under "dtx/<oid>/": one record per commit generation, "g/<generation, 20
// digits>" = {gen, state, digest of state}. A commit writes the next generation's record and syncs:
// only then does it return. The newest record that decodes and whose digest and generation match
// is the object's last commit, so the "pointer" to it is the record's own key order: a record torn
// or lost by a crash before its sync is skipped and the previous one (never touched by the commit
// that failed) wins. Older generations are erased after a newer one is synced; the erasure itself
// becomes durable with the next sync, and until then recovery just ignores them.
class DurableServer : public txn::LockingServer {
 public:
  DurableServer() : LockingServer("DurableTransactions") {}

 protected:
  void on_start(ServerContext& ctx, bool moved) override {
    prefix_ = "dtx/" + std::to_string(ctx.self().oid) + "/g/";
    Storage& st = ctx.env().storage();
    if (!moved) {
      if (auto last = newest_good(ctx)) {  // a restart: recover the last commit
        ctx.restore_object(last->second);
        gen_ = last->first;
        drop_older_than(st, gen_);
        ctx.env().log(LogLevel::kInfo, "DurableTransactions: recovered object " + std::to_string(ctx.self().oid) +
                                           " as of commit generation " + std::to_string(gen_));
        if (ctx.env().probing()) ctx.env().probe("dtx.recovered", {{"gen", gen_}});
        return;
      }
    }
    // Created here, or moved here from another node: the current state is the first commit.
    for (const auto& k : st.keys(prefix_)) st.erase(k);
    gen_ = 0;
    if (Status s = persist(ctx); !s.ok()) {
      ctx.env().log(LogLevel::kError, "DurableTransactions: could not write the initial state: " + s.to_string());
    }
  }

  Status persist(ServerContext& ctx) override {
    Storage& st = ctx.env().storage();
    const std::int64_t gen = gen_ + 1;
    const Value state = ctx.snapshot_object();
    const Value record = ValueMap{{"gen", gen}, {"state", state}, {"digest", static_cast<std::int64_t>(wire::digest(state))}};
    try {
      st.put(key(gen), wire::encode_value(record));
      st.sync();
    } catch (const std::exception& e) {
      return Status{Code::kUnavailable, std::string("storage: ") + e.what(), {}};
    }
    gen_ = gen;
    drop_older_than(st, gen_);
    if (ctx.env().probing()) ctx.env().probe("dtx.synced", {{"gen", gen}});
    return {};
  }

 private:
  std::string key(std::int64_t gen) const {
    char digits[24];
    std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(gen));
    return prefix_ + digits;
  }

  // The newest (generation, state) whose record is intact.
  std::optional<std::pair<std::int64_t, Value>> newest_good(ServerContext& ctx) const {
    Storage& st = ctx.env().storage();
    std::vector<std::string> keys = st.keys(prefix_);
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      try {
        const Value rec = wire::decode_value(st.get(*it).value_or(""));
        const std::int64_t gen = rec.at("gen").as_int();
        const Value& state = rec.at("state");
        if (*it == key(gen) && rec.at("digest").as_int() == static_cast<std::int64_t>(wire::digest(state))) {
          return std::make_pair(gen, state);
        }
      } catch (const std::exception&) {
      }
      ctx.env().log(LogLevel::kWarn, "DurableTransactions: skipping damaged record " + *it +
                                         " (a commit interrupted before its sync: it never returned)");
    }
    return std::nullopt;
  }

  void drop_older_than(Storage& st, std::int64_t gen) const {
    const std::string keep = key(gen);
    for (const auto& k : st.keys(prefix_)) {
      if (k != keep) st.erase(k);
    }
  }

  std::string prefix_;
  std::int64_t gen_ = 0;  // the generation of the last synced commit
};

}  // namespace

DmDescriptor durable_transactions() {
  DmDescriptor d;
  d.name = "DurableTransactions";
  d.category = "transactions";
  d.summary = "LockingTransactions whose commits are synced to storage: the object reverts to its last commit after a crash";
  d.paper = "DurableTransactions";
  d.source = "dms/durable_transactions.h";
  d.guarantee =
      "Isolation level: serializable (in fact strict serializable), exactly as LockingTransactions (startMethod / commitMethod / rollbackMethod "
      "intercepted; the object locked to one transaction or one lone call at a time; rollback restores the state "
      "at begin). Durability: a commit, and a mutating call made outside a transaction, returns only after the "
      "object's new state is written to the node's storage (Env::storage()) and synced; if that fails the change "
      "is undone and the caller gets kAborted. After a crash and restart of the node (storage kept) the kernel "
      "re-creates the replica and the object is exactly its last commit: writes of transactions that had not "
      "committed are gone, and their owners get kAborted at their next call.";
  d.tolerates =
      "A crash and restart of the server's node with its storage, including one in the middle of writing a commit: "
      "each commit writes a new record and syncs it, and recovery takes the newest intact record (a torn or lost "
      "unsynced record is skipped), so the last good commit is never damaged. A commit interrupted before its sync "
      "never returned success: its client sees a system error (outcome unknown; after recovery it is not there). A "
      "client crash mid-transaction (lease, as LockingTransactions). Not tolerated: losing the node's storage "
      "(crash with wipe), or the node never coming back (the object is unavailable until it does).";
  d.caveats =
      "Each commit writes the whole object state (a snapshot), so commits cost in proportion to the object's size. "
      "Storage is the hosting node's: a migration writes the state afresh at the destination. One transaction per "
      "endpoint and microservice at a time; chains with replicating DMs are rejected (the lock is per replica).";
  d.config = txn::control_keys();
  for (auto& k : txn::lock_keys()) d.config.push_back(std::move(k));
  d.control_methods = txn::control_methods;
  d.make_client = txn::make_locking_client;
  d.make_server = [] { return std::make_unique<DurableServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
