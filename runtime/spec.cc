// YAML spec parsing and validation.
#include "runtime/spec.h"
