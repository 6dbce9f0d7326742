#include "dms/optimistic_transactions.h"

#include "dms/support_transactions.h"
#include "runtime/mutants.h"

namespace amino::dms {

namespace {

// Internal calls from the client part to the server part; they never reach the object.
constexpr const char* kOccBegin = "__amino.occ.begin";    // [] -> {state, version}
constexpr const char* kOccCommit = "__amino.occ.commit";  // [base version, state | null] -> version

// The server keeps a version that every change of the object bumps: a committed transaction, or a
// mutating call made outside a transaction. Calls and commits into the object run one at a time,
// so a commit's validation and installation are atomic.
class OccServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    if (!lock_.acquire(ctx.env(), inv.deadline)) {
      return Reply::error(Code::kTimeout, "OptimisticTransactions: waited past the deadline for the object");
    }
    FifoLockGuard guard(lock_);
    if (inv.method == kOccBegin) {
      if (!inv.args.empty()) return Reply::error(Code::kBadArguments, "OptimisticTransactions: begin takes no arguments");
      return Reply::ok(ValueMap{{"state", ctx.snapshot_object()}, {"version", version_}});
    }
    if (inv.method == kOccCommit) return commit(inv.args, ctx);
    Reply r = ctx.next(inv);
    if (!inv.read_only) ++version_;  // even a throwing method may have changed fields
    return r;
  }

  Value snapshot() const override { return ValueMap{{"version", version_}}; }
  void restore(const Value& state) override {
    if (const Value* v = state.is<ValueMap>() ? state.find("version") : nullptr; v != nullptr && v->is<std::int64_t>()) {
      version_ = v->as_int();
    }
  }

 private:
  Reply commit(const ValueList& a, ServerContext& ctx) {
    if (a.size() != 2 || !a[0].is<std::int64_t>()) {
      return Reply::error(Code::kBadArguments, "OptimisticTransactions: commit takes [base version, state|null]");
    }
    // Validation: the copy was taken at version a[0]; anything committed since makes it stale.
    // (Mutant kOccSkipsValidation: installs a stale copy over others' commits, a lost update.)
    if (a[0].as_int() != version_ && !mutant_active(Mutant::kOccSkipsValidation)) {
      if (ctx.env().probing()) ctx.env().probe("occ.abort", {{"base", a[0].as_int()}, {"version", version_}});
      return Reply::error(Code::kAborted, "OptimisticTransactions: the object changed since this transaction began "
                                          "(version " + std::to_string(a[0].as_int()) + " -> " +
                                              std::to_string(version_) + "): transaction aborted, retry it");
    }
    if (!a[1].is_null()) {  // a read-only transaction installs nothing
      ctx.restore_object(a[1]);
      ++version_;
    }
    if (ctx.env().probing()) ctx.env().probe("occ.commit", {{"version", version_}});
    return Reply::ok(Value(version_));
  }

  FifoLock lock_;
  std::int64_t version_ = 0;
};

class OccClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    const txn::Control c = txn::classify(ctx.config(), inv.method);
    if (c == txn::Control::kNone && !copy_) return link_.forward(inv, ctx);
    if (c != txn::Control::kNone) {
      if (auto why = txn::control_config_problem("OptimisticTransactions", ctx.config())) {
        return Reply::error(Code::kBadSpec, *why);
      }
      if (!inv.args.empty()) return Reply::error(Code::kBadArguments, inv.method + " takes no arguments");
    }
    // One begin, call on the copy, commit or rollback at a time: a commit must not send a copy that
    // a call is changing (a method may block mid-way).
    if (!lock_.acquire(ctx.env(), inv.deadline)) return Reply::error(Code::kTimeout, "waited for the transaction's copy");
    FifoLockGuard guard(lock_);
    switch (c) {
      case txn::Control::kStart: return begin(inv, ctx);
      case txn::Control::kCommit: return commit(inv, ctx);
      case txn::Control::kRollback:
        if (!copy_) return Reply::error(Code::kBadArguments, inv.method + " without an open transaction");
        copy_.reset();
        return Reply::ok({});
      case txn::Control::kNone: break;
    }
    if (!copy_) return link_.forward(inv, ctx);  // the transaction ended while this call waited
    if (!inv.read_only) dirty_ = true;
    return copy_->invoke(inv);
  }

 private:
  Reply begin(Invocation& inv, ClientContext& ctx) {
    if (copy_) {
      return Reply::error(Code::kBadArguments,
                          "a transaction is already open on this endpoint; nested transactions are not supported");
    }
    Reply r = link_.control(kOccBegin, {}, inv, ctx);
    if (!r.ok()) return r;
    const Value* state = r.value.find("state");
    const Value* version = r.value.find("version");
    if (state == nullptr || version == nullptr || !version->is<std::int64_t>()) {
      return Reply::error(Code::kInternal, "OptimisticTransactions: malformed begin reply");
    }
    copy_ = ctx.make_local_copy(*state);
    base_ = version->as_int();
    dirty_ = false;
    return Reply::ok({});
  }

  Reply commit(Invocation& inv, ClientContext& ctx) {
    if (!copy_) return Reply::error(Code::kBadArguments, inv.method + " without an open transaction");
    const Value state = dirty_ ? copy_->snapshot() : Value();
    // The transaction ends here whatever the outcome: committed, aborted (retry it), or unknown (a
    // system error: the commit may or may not have been installed).
    copy_.reset();
    Reply r = link_.control(kOccCommit, {Value(base_), state}, inv, ctx);
    return r.ok() ? Reply::ok({}) : r;
  }

  txn::ServerLink link_;
  std::unique_ptr<LocalCopy> copy_;  // the open transaction's private copy
  std::int64_t base_ = 0;            // the object's version the copy was taken at
  bool dirty_ = false;               // a mutating call ran on the copy
  FifoLock lock_;
};

}  // namespace

DmDescriptor optimistic_transactions() {
  DmDescriptor d;
  d.name = "OptimisticTransactions";
  d.category = "transactions";
  d.summary = "optimistic transactions on a private copy; commit validates the object's version and aborts on conflict";
  d.paper = "OptimisticTransactions (Amino.Run OptConcurrentTransactPolicy)";
  d.source = "dms/optimistic_transactions.h";
  d.guarantee =
      "Isolation level: serializable; in fact strict serializable (each committed transaction is equivalent to "
      "running it alone at its commit, which lies inside its real-time span). "
      "An endpoint calls startMethod, then any application methods, then commitMethod or rollbackMethod; the three "
      "are intercepted (the class need not declare them). Begin fetches a copy of the object's state with its "
      "version; the transaction's calls run on that copy on the client, invisible to everyone else. Commit sends the "
      "copy to the server, which installs it only if the object's version is still the one the copy was taken at "
      "(and bumps the version); otherwise nothing is installed and the commit fails with kAborted: the transaction "
      "never happened and may be retried. A read-only transaction is validated the same way and installs nothing. "
      "Rollback drops the copy. Calls outside a transaction go to the server; each mutating one bumps the version "
      "(so it aborts the open transactions that began before it). Typed errors: begin inside an open transaction "
      "and commit or rollback without one are kBadArguments.";
  d.tolerates =
      "Conflicting writers: the later commit aborts instead of overwriting (no lost update). Server loss or "
      "partition during a transaction: its calls keep running on the copy; the commit then fails with a system "
      "error and its outcome is unknown only if the request may have arrived. A client that crashes "
      "mid-transaction leaves nothing behind (the server holds no lock). Not tolerated: the loss of the server "
      "object itself.";
  d.caveats =
      "Validation is per object, not per key: any committed change to the object aborts every transaction that "
      "began before it, even one that touched other data (use short transactions under contention). The "
      "transaction's calls run on the client's node (runtime() is the client's kernel); the class must be linked "
      "there. One transaction per endpoint and microservice at a time.";
  d.config = txn::control_keys();
  d.control_methods = txn::control_methods;
  d.make_client = [] { return std::make_unique<OccClient>(); };
  d.make_server = [] { return std::make_unique<OccServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
