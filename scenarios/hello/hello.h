// Hello world: the shortest useful microservices. A Greeter whose method calls a Counter — another
// microservice, possibly on another kernel server — synchronously through a stub.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/microservice.h"
#include "runtime/stub.h"

namespace amino::scenarios {

class VisitCounter : public MicroService {
 public:
  std::int64_t visit() { return ++visits_; }
  std::int64_t visits() const { return visits_; }
  static void describe(ClassBuilder<VisitCounter>& c) {
    c.writes("visit", &VisitCounter::visit).reads("visits", &VisitCounter::visits).field("visits", &VisitCounter::visits_);
  }

 private:
  std::int64_t visits_ = 0;
};

class HelloWorld : public MicroService {
 public:
  // Greets `who` and counts the visit in the microservice named `counter`.
  std::string hello(const std::string& who, const std::string& counter) {
    const auto n = runtime().stub(counter).call<std::int64_t>("visit");
    return "Hello, " + who + "! (visit " + std::to_string(n) + ", served by " + runtime().node() + ")";
  }
  static void describe(ClassBuilder<HelloWorld>& c) { c.writes("hello", &HelloWorld::hello); }
};

}  // namespace amino::scenarios
