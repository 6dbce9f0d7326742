#include "scenarios/registry.h"

#include "scenarios/code_offloading/offload_service.h"
#include "scenarios/harness/objects.h"
#include "scenarios/hello/hello.h"
#include "scenarios/multiplayer_game/game.h"
#include "scenarios/transactions/txn_store.h"

namespace amino::scenarios {

void register_all(ClassRegistry& classes) {
  classes.add<HelloWorld>("HelloWorld");
  classes.add<VisitCounter>("VisitCounter");
  classes.add<game::Board>("Board");
  classes.add<game::Scores>("Scores");
  classes.add<game::GameLogic>("GameLogic");
  classes.add<offload::OffloadService>("OffloadService");
  classes.add<harness::Register>("Register");
  classes.add<harness::PresetRegister>("PresetRegister");
  classes.add<harness::KvStore>("KvStore");
  classes.add<harness::Counter>("Counter");
  classes.add<harness::Bank>("Bank");
  classes.add<transactions::TxnStore>("TxnStore");
}

}  // namespace amino::scenarios
