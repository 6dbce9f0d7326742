// Sequential models for the linearizability checker: what a single-threaded object would answer.
// A model compiles each operation once (checking its f and values) and then steps a state through
// operations during the search. States are strings the model chooses (a canonical encoding): the
// search memoises (linearized set, state) pairs, so equal encodings must mean equal states, and
// string equality and hashing give the search both for free, for every model alike.
//
// Built-in models (make_model):
//   register     read (ok value = the value read; null = absent), write, cas ([expected, new];
//                ok = it swapped, fail = it did not)
//   kv           get (ok value = the string read, "" when absent), put, append (concatenation);
//                values are strings
//   counter      add (an integer, may be negative), read (ok value = the integer read); starts at 0
//   set          add (any value), read (ok value = the set's elements as an array, any order)
//   list-append  append (any value), read (ok value = the list as an array, in order)
//   bank         open ([accounts, balance]), transfer ([from, to, amount]; ok = moved, fail = it
//                did not), read (ok value = every balance, an array); starts with no accounts
// Each applies per key: operations with different keys are independent objects.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testbed/check/history.h"

namespace amino::check {

// One operation as its model compiled it for the search.
struct Call {
  int code = 0;       // which operation (the model's own numbering)
  std::string a, b;   // its arguments/outputs in the model's encoding
  bool known = true;  // the output is known (ok); false for an info operation, which may have taken
                      // effect with any output
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;
  // Compiles an ok or info operation; std::invalid_argument naming the problem for an f the model
  // does not know or a value of the wrong shape.
  virtual Call compile(const Operation& op) const = 0;
  // True when the operation changes no state: an info one observed nothing we know, so it is dropped.
  virtual bool read_only(const Call& call) const = 0;
  virtual std::string init() const = 0;
  // Whether `call` may take effect in `state` (with its output, when known); if so *next is the state after it.
  virtual bool step(const std::string& state, const Call& call, std::string* next) const = 0;
  // A state as a reader should see it in an explanation.
  virtual std::string describe_state(const std::string& state) const { return state; }
};

// A built-in model by name; std::invalid_argument listing the known ones otherwise.
std::unique_ptr<Model> make_model(const std::string& name);
std::vector<std::string> model_names();

}  // namespace amino::check
