#pragma once

// Several Qt Test classes in one executable (link time dominates on small
// machines). Each class registers itself with RILL_TEST_CLASS; the executable
// runs all of them, or just the one named by its first argument, which is how
// CTest gets one entry per class.
//
//   tst_template                 # every class
//   tst_template TstFilters      # one class
//   tst_template TstFilters -v2 someFunction   # Qt Test options after the name

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace RillTest {

struct Registration
{
    const char *name;
    std::function<std::unique_ptr<QObject>()> create;
};

inline std::vector<Registration> &registry()
{
    static std::vector<Registration> r;
    return r;
}

struct Registrar
{
    Registrar(const char *name, std::function<std::unique_ptr<QObject>()> create)
    {
        registry().push_back({name, std::move(create)});
    }
};

int runRegistered(int argc, char *argv[]);

} // namespace RillTest

#define RILL_TEST_CLASS(Class) \
    static const RillTest::Registrar rill_test_registrar_##Class(#Class, [] { return std::make_unique<Class>(); });
