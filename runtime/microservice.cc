#include "runtime/microservice.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

namespace amino {

namespace {
std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && d != nullptr) ? d : name;
  std::free(d);
  return out;
}
}  // namespace

Value MicroService::snapshot() const {
  ValueMap state;
  if (class_info_ != nullptr) {
    for (const auto& [name, f] : class_info_->fields) state.emplace(name, f.get(*this));
  }
  return state;
}

void MicroService::restore(const Value& state) {
  if (class_info_ == nullptr || state.is_null()) return;
  for (const auto& [name, f] : class_info_->fields) {
    if (const Value* v = state.find(name)) f.set(*this, *v);
  }
}

void bind_runtime(MicroService& obj, ObjectRuntime* runtime) { obj.runtime_ = runtime; }

ObjectRuntime& MicroService::runtime() const {
  if (runtime_ == nullptr) throw SystemError(Code::kInternal, "object is not hosted by a kernel");
  return *runtime_;
}

const MethodInfo* ClassInfo::method(const std::string& m) const {
  auto it = methods.find(m);
  return it == methods.end() ? nullptr : &it->second;
}

std::unique_ptr<MicroService> ClassInfo::instantiate(const ValueList& ctor_args) const {
  if (!construct) throw SystemError(Code::kBadArguments, name + " declares no usable constructor");
  auto obj = construct(ctor_args);
  obj->class_info_ = this;
  return obj;
}

std::unique_ptr<MicroService> ClassInfo::instantiate_empty() const {
  if (!construct_empty) {
    throw SystemError(Code::kBadArguments,
                      name + " is not default-constructible, so it cannot be rebuilt from a snapshot");
  }
  auto obj = construct_empty();
  obj->class_info_ = this;
  return obj;
}

std::unique_ptr<MicroService> ClassInfo::instantiate_from(const Value& state) const {
  auto obj = instantiate_empty();
  obj->restore(state);
  return obj;
}

Reply ClassInfo::invoke(MicroService& obj, const std::string& m, const ValueList& args) const {
  const MethodInfo* mi = method(m);
  if (mi == nullptr) return Reply::error(Code::kNoSuchMethod, name + " has no method " + m);
  if (static_cast<int>(args.size()) != mi->arity) {
    return Reply::error(Code::kBadArguments, name + "." + m + " takes " + std::to_string(mi->arity) +
                                                 " arguments, got " + std::to_string(args.size()));
  }
  try {
    return Reply::ok(mi->invoke(obj, args));
  } catch (const SystemError& e) {
    // A system error escaping a method is either a bad argument conversion or a failed nested
    // call; both keep their code so that DMs can tell them from application exceptions.
    Reply r = Reply::error(e.code(), name + "." + m + ": " + e.what());
    return r;
  } catch (const AppError& e) {
    return Reply{Status{Code::kAppError, e.message(), e.type()}, {}};
  } catch (const std::exception& e) {
    return Reply{Status{Code::kAppError, e.what(), demangle(typeid(e).name())}, {}};
  } catch (...) {
    return Reply{Status{Code::kAppError, "non-standard exception", "unknown"}, {}};
  }
}

const ClassInfo* ClassRegistry::find(const std::string& name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ClassRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, _] : classes_) out.push_back(n);
  return out;
}

}  // namespace amino
