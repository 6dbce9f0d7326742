// What the transaction DMs (LockingTransactions, OptimisticTransactions, DurableTransactions) share:
// the transaction-control methods named by config, the client-to-server link their client parts
// use, and the lock-based transaction core of LockingTransactions, which DurableTransactions extends
// with persistence at each commit. Implemented in support_transactions.cc.
//
// Transaction control (Amino.Run's names by default): a client calls startMethod, then any
// application methods, then commitMethod or rollbackMethod. The client part intercepts the three
// (the application class need not declare them: DmDescriptor::control_methods) and turns them into
// the internal calls below. A transaction belongs to the calling endpoint (Invocation::session: a
// kernel server, amino-ctl, a Python client): one transaction per endpoint and microservice at a
// time, shared by every reference on that endpoint.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dms/support.h"
#include "runtime/dm.h"

namespace amino::dms::txn {

// ---------------------------------------------------------------------------------------------
// Transaction control

enum class Control { kNone, kStart, kCommit, kRollback };

// The config keys startMethod, commitMethod and rollbackMethod (string; Amino.Run's defaults).
std::vector<ConfigKey> control_keys();
// The three method names a config gives (DmDescriptor::control_methods).
std::vector<std::string> control_methods(const DmConfig& config);
// Which control method `method` is under `config` (kNone: an application call).
Control classify(const DmConfig& config, const std::string& method);
// Why the control names of `config` are unusable (empty or not distinct), or nullopt.
std::optional<std::string> control_config_problem(const std::string& dm, const DmConfig& config);

// ---------------------------------------------------------------------------------------------
// The client part's link to its server: one replica from the group, asked again after it is gone.

class ServerLink {
 public:
  // Forwards `inv` unchanged.
  Reply forward(Invocation& inv, ClientContext& ctx);
  // An internal call `method(args)` on behalf of the application call `app` (same caller, session,
  // call id and deadline).
  Reply control(const std::string& method, ValueList args, const Invocation& app, ClientContext& ctx);

 private:
  ReplicaRef server_;
};

// ---------------------------------------------------------------------------------------------
// Lock-based transactions (LockingTransactions; DurableTransactions adds persistence)

// Internal calls from the client part to the server part; they never reach the object.
inline constexpr const char* kBegin = "__amino.txn.begin";        // [] -> transaction id
inline constexpr const char* kCommit = "__amino.txn.commit";      // [id] -> null
inline constexpr const char* kRollback = "__amino.txn.rollback";  // [id] -> null
inline constexpr const char* kCall = "__amino.txn.call";          // [id, method, [args]] -> the method's reply

// The config keys of the lock: leaseMs and lockTimeoutMs.
std::vector<ConfigKey> lock_keys();

// The client part: control methods become kBegin/kCommit/kRollback; application calls made while
// this endpoint has a transaction open are wrapped in kCall with its id, so that the server can
// refuse them (kAborted) once the transaction is gone instead of running them outside it. A call
// refused so, or failing with a system error (outcome unknown), dooms the transaction: its later
// calls fail with kAborted without running, its commit rolls it back and reports kAborted, and a
// begin rolls it back and opens a new transaction (a doomed one never blocks the endpoint's next).
std::unique_ptr<ClientDM> make_locking_client();

// The server part: one lock per replica, held by one transaction (from begin to commit, rollback or
// lease expiry) or by one call made outside any transaction. Other endpoints' calls and begins
// wait for it, bounded by lockTimeoutMs and their deadline (then kUnavailable). The object's
// snapshot taken at begin is restored by rollback, by lease expiry (an owner that crashed or went
// silent: each of its calls renews the lease) and by a migration of the replica. Subclasses make
// commits durable through the hooks.
class LockingServer : public ServerDM {
 public:
  ~LockingServer() override;
  void on_create(ServerContext& ctx) override;
  void on_destroy(ServerContext& ctx) override;
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override;
  // A migration or replication carries the object with a transaction's uncommitted writes in it:
  // the snapshot carries the state to roll back to, which on_create at the destination restores.
  Value snapshot() const override;
  void restore(const Value& state) override;

 protected:
  // After a commit, or a mutating call outside any transaction, changed the object: makes the new
  // state durable. A failure undoes the change (the caller gets kAborted).
  virtual Status persist(ServerContext&) { return {}; }
  // In on_create, before anything else: `moved` when this replica was built from another one's
  // state (migration, replication) rather than created or recovered.
  virtual void on_start(ServerContext&, bool /*moved*/) {}
  const char* dm_name() const { return name_; }
  explicit LockingServer(const char* name) : name_(name) {}

 private:
  struct Active {
    SessionId session;
    std::int64_t id = 0;
    Value before;  // the object's state at begin
    Time lease_until = 0;
  };

  Reply begin(Invocation& inv, ServerContext& ctx);
  Reply finish(Invocation& inv, ServerContext& ctx, bool commit);
  Reply call_in_txn(Invocation& inv, ServerContext& ctx);
  Reply call_alone(Invocation& inv, ServerContext& ctx);
  bool acquire(const Invocation& inv, ServerContext& ctx);
  Reply not_active(std::int64_t id) const;
  void end(ServerContext& ctx, bool commit, const char* why);
  void arm_lease(ServerContext& ctx);
  void on_lease_timer(ServerContext& ctx);

  const char* name_;
  FifoLock lock_;                  // held by the open transaction or by one lone call
  std::optional<Active> active_;
  int owner_calls_ = 0;            // calls of the open transaction inside the object now
  std::int64_t next_id_ = 0;       // seeded at on_create: ids of different incarnations differ
  std::optional<Value> moved_before_;  // from restore(): the rollback state of a moved transaction
  bool moved_ = false;
  TimerId lease_timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace amino::dms::txn
