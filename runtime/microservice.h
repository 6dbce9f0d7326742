// Writing a microservice: an ordinary C++ class with synchronous methods, registered once with
// its methods marked read-only or mutating and the fields that make up its state.
//
//   class Counter : public amino::MicroService {
//    public:
//     std::int64_t add(std::int64_t d) { return value_ += d; }
//     std::int64_t get() const { return value_; }
//     static void describe(amino::ClassBuilder<Counter>& c) {
//       c.writes("add", &Counter::add).reads("get", &Counter::get).field("value", &Counter::value_);
//     }
//    private:
//     std::int64_t value_ = 0;
//   };
//   registry.add<Counter>("Counter");
//
// Declared fields give snapshot/restore (migration, replication, caching) for free; a class with
// richer state overrides snapshot()/restore() instead. A method may call another microservice
// synchronously through runtime().stub(...).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/codec.h"
#include "runtime/status.h"
#include "runtime/time.h"
#include "runtime/value.h"

namespace amino {

class Stub;
class Env;

// What an application object may ask of the kernel hosting it.
class ObjectRuntime {
 public:
  virtual ~ObjectRuntime() = default;
  // A reference to another microservice, by id or by name.
  virtual Stub stub(const std::string& id_or_name) = 0;
  // Charge deterministic CPU work (operations) to this node; see Env::compute.
  virtual void compute(double ops) = 0;
  // Blocks this call for d of the backend's time (a wait on something outside the object).
  virtual void sleep_for(Duration d) = 0;
  virtual std::string node() const = 0;
};

class MicroService {
 public:
  virtual ~MicroService() = default;
  // State for migration and replication; the default covers the fields declared in describe().
  virtual Value snapshot() const;
  virtual void restore(const Value& state);
  ObjectRuntime& runtime() const;

 private:
  friend class ClassInfo;
  friend class KernelObject;
  friend void bind_runtime(MicroService& obj, ObjectRuntime* runtime);
  const class ClassInfo* class_info_ = nullptr;
  ObjectRuntime* runtime_ = nullptr;
};

// Hosts `obj` on `runtime` (the kernel does this for its objects; DMs' local copies use the client's).
void bind_runtime(MicroService& obj, ObjectRuntime* runtime);

struct MethodInfo {
  bool read_only = false;
  int arity = 0;
  std::function<Value(MicroService&, const ValueList&)> invoke;
};

struct FieldInfo {
  std::function<Value(const MicroService&)> get;
  std::function<void(MicroService&, const Value&)> set;
};

class ClassInfo {
 public:
  std::string name;
  std::map<std::string, MethodInfo> methods;
  std::map<std::string, FieldInfo> fields;
  std::function<std::unique_ptr<MicroService>(const ValueList& ctor_args)> construct;
  // Default construction, used to rebuild an object from a snapshot (migration, replication, copies).
  std::function<std::unique_ptr<MicroService>()> construct_empty;

  const MethodInfo* method(const std::string& m) const;
  // Builds an object from constructor arguments (throws SystemError kBadArguments).
  std::unique_ptr<MicroService> instantiate(const ValueList& ctor_args) const;
  // An object rebuilt from a snapshot (throws SystemError kBadArguments if not default-constructible).
  std::unique_ptr<MicroService> instantiate_from(const Value& state) const;
  std::unique_ptr<MicroService> instantiate_empty() const;
  // Runs a method: app exceptions become kAppError, argument problems kBadArguments, unknown
  // methods kNoSuchMethod. Never throws.
  Reply invoke(MicroService& obj, const std::string& method, const ValueList& args) const;
};

namespace detail {
template <typename R, typename Tuple, std::size_t... I, typename F>
Value call_with(F&& f, const ValueList& args, std::index_sequence<I...>) {
  if constexpr (std::is_void_v<R>) {
    f(from_value<std::decay_t<std::tuple_element_t<I, Tuple>>>(args[I])...);
    return {};
  } else {
    return to_value(f(from_value<std::decay_t<std::tuple_element_t<I, Tuple>>>(args[I])...));
  }
}
}  // namespace detail

template <typename T> class ClassBuilder {
 public:
  explicit ClassBuilder(ClassInfo& info) : info_(info) {}

  template <typename R, typename... A> ClassBuilder& reads(const std::string& n, R (T::*m)(A...) const) {
    return add(n, true, m);
  }
  template <typename R, typename... A> ClassBuilder& reads(const std::string& n, R (T::*m)(A...)) {
    return add(n, true, m);
  }
  template <typename R, typename... A> ClassBuilder& writes(const std::string& n, R (T::*m)(A...)) {
    return add(n, false, m);
  }
  template <typename F> ClassBuilder& field(const std::string& n, F T::*member) {
    info_.fields[n] = FieldInfo{
        [member](const MicroService& o) { return to_value(static_cast<const T&>(o).*member); },
        [member](MicroService& o, const Value& v) { static_cast<T&>(o).*member = from_value<F>(v); }};
    return *this;
  }
  // Constructor arguments (default: the default constructor).
  template <typename... A> ClassBuilder& constructor() {
    info_.construct = [](const ValueList& args) -> std::unique_ptr<MicroService> {
      if (args.size() != sizeof...(A)) {
        throw SystemError(Code::kBadArguments, "constructor takes " + std::to_string(sizeof...(A)) +
                                                   " arguments, got " + std::to_string(args.size()));
      }
      return construct_from<A...>(args, std::index_sequence_for<A...>{});
    };
    return *this;
  }

 private:
  template <typename... A, std::size_t... I>
  static std::unique_ptr<MicroService> construct_from(const ValueList& args, std::index_sequence<I...>) {
    return std::make_unique<T>(from_value<std::decay_t<A>>(args[I])...);
  }

  template <typename M, typename R, typename... A>
  ClassBuilder& add_impl(const std::string& n, bool read_only, M m) {
    MethodInfo mi;
    mi.read_only = read_only;
    mi.arity = sizeof...(A);
    mi.invoke = [m](MicroService& o, const ValueList& args) -> Value {
      auto& self = static_cast<T&>(o);
      return detail::call_with<R, std::tuple<A...>>(
          [&](auto&&... xs) -> decltype(auto) { return (self.*m)(std::forward<decltype(xs)>(xs)...); },
          args, std::index_sequence_for<A...>{});
    };
    info_.methods[n] = std::move(mi);
    return *this;
  }
  template <typename R, typename... A> ClassBuilder& add(const std::string& n, bool ro, R (T::*m)(A...) const) {
    return add_impl<decltype(m), R, A...>(n, ro, m);
  }
  template <typename R, typename... A> ClassBuilder& add(const std::string& n, bool ro, R (T::*m)(A...)) {
    return add_impl<decltype(m), R, A...>(n, ro, m);
  }

  ClassInfo& info_;
};

// Application classes known to a process (every kernel server of a deployment registers the same).
class ClassRegistry {
 public:
  template <typename T> void add(const std::string& name) {
    auto info = std::make_unique<ClassInfo>();
    info->name = name;
    if constexpr (std::is_default_constructible_v<T>) {
      info->construct = [](const ValueList& args) -> std::unique_ptr<MicroService> {
        if (!args.empty()) throw SystemError(Code::kBadArguments, "constructor takes no arguments");
        return std::make_unique<T>();
      };
      info->construct_empty = [] { return std::unique_ptr<MicroService>(std::make_unique<T>()); };
    }
    ClassBuilder<T> b(*info);
    T::describe(b);
    classes_[name] = std::move(info);
  }
  const ClassInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<ClassInfo>> classes_;
};

}  // namespace amino
