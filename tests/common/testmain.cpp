#include "testregistry.h"

#include <QCoreApplication>
#include <QTest>

#include <cstdio>
#include <cstring>

namespace RillTest {

int runRegistered(int argc, char *argv[])
{
    const char *only = nullptr;
    std::vector<char *> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (!only && i == 1 && argv[i][0] != '-') {
            only = argv[i];
            continue;
        }
        args.push_back(argv[i]);
    }
    int failures = 0;
    bool ran = false;
    for (const Registration &r : registry()) {
        if (only && std::strcmp(only, r.name) != 0)
            continue;
        ran = true;
        auto object = r.create();
        failures += QTest::qExec(object.get(), int(args.size()), args.data());
    }
    if (!ran) {
        std::fprintf(stderr, "no test class named %s\n", only ? only : "(any)");
        return 1;
    }
    return failures;
}

} // namespace RillTest

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    return RillTest::runRegistered(argc, argv);
}
