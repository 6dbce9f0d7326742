#include "dms/locking_transactions.h"

#include "dms/support_transactions.h"

namespace amino::dms {

namespace {

class LockingTransactionsServer : public txn::LockingServer {
 public:
  LockingTransactionsServer() : LockingServer("LockingTransactions") {}
};

}  // namespace

DmDescriptor locking_transactions() {
  DmDescriptor d;
  d.name = "LockingTransactions";
  d.category = "transactions";
  d.summary = "multi-call transactions under a lease-bounded lock on the object, with rollback";
  d.paper = "LockingTransactions (Amino.Run LockingTransactionPolicy)";
  d.source = "dms/locking_transactions.h";
  d.guarantee =
      "Isolation level: serializable; in fact strict serializable (each transaction holds the object exclusively "
      "from its begin to its end). An endpoint (a kernel server, amino-ctl, a Python client: Invocation::session) calls startMethod, "
      "then any application methods, then commitMethod or rollbackMethod; the three are intercepted (the class "
      "need not declare them). Begin takes the object's lock and a snapshot of its state; until the transaction "
      "ends every call of other endpoints, inside or outside transactions, waits for the lock (at most "
      "lockTimeoutMs and its deadline, then kUnavailable, not run). Commit keeps the writes and releases the lock; "
      "rollback restores the snapshot. A call made outside any transaction is a transaction of its own (it holds "
      "the lock while it runs). Typed errors: begin inside an open transaction (not doomed) and commit or rollback "
      "without one are kBadArguments; a call, commit or rollback of a transaction the server no longer has (lease ran out, "
      "server restarted, replica migrated) is kAborted and the transaction's writes are undone. A transaction "
      "one of whose calls was refused so, or failed with a system error (its outcome unknown), is doomed: its "
      "later calls fail with kAborted without running (none runs outside the transaction it was meant for), "
      "its commit rolls it back and reports kAborted, and a begin rolls it back and opens a new transaction (an "
      "application that retries from its begin after kAborted is never left unable to start one).";
  d.tolerates =
      "A client that crashes, is partitioned away or goes silent with a transaction open: each of its calls renews "
      "a lease of leaseMs; when the lease runs out the server rolls the transaction back and releases the lock, and "
      "the client's later calls in it get kAborted. A commit whose reply is lost has an unknown outcome (the "
      "client gets the system error). Not tolerated: the loss of the server, which loses the object "
      "(DurableTransactions keeps it).";
  d.caveats =
      "One transaction per endpoint and microservice at a time, shared by every reference on that endpoint. A "
      "transaction that outlives its lease between two calls is aborted: leaseMs must exceed the client's longest "
      "pause inside a transaction. A migration or replication of the replica rolls back an open transaction. The "
      "lock is per replica: with several replicas (an inner replicating DM) transactions would lock one each, so "
      "such chains are rejected.";
  d.config = txn::control_keys();
  for (auto& k : txn::lock_keys()) d.config.push_back(std::move(k));
  d.control_methods = txn::control_methods;
  d.make_client = txn::make_locking_client;
  d.make_server = [] { return std::make_unique<LockingTransactionsServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
