#include "scenarios/registry.h"

#include "scenarios/hello/hello.h"

namespace amino::scenarios {

void register_all(ClassRegistry& classes) {
  classes.add<HelloWorld>("HelloWorld");
  classes.add<VisitCounter>("VisitCounter");
}

}  // namespace amino::scenarios
