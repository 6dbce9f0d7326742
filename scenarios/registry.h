// Every application class of the scenarios, registered under its name. Kernel servers of any
// backend call register_all so that any scenario's microservices can be placed on them.
#pragma once

#include "runtime/microservice.h"

namespace amino::scenarios {

void register_all(ClassRegistry& classes);

}  // namespace amino::scenarios
