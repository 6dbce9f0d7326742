// DmRegistry: known DMs and the chain compatibility table.
#include "runtime/dm.h"
