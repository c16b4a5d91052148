#include "tokensource.h"

#include <QElapsedTimer>

#include <qcoro/qcorotimer.h>

#include <chrono>
#include <stdexcept>

using namespace std::chrono_literals;

QCoro::AsyncGenerator<QString> offlineTokens(const QString &prompt, TokenSourceOptions options)
{
    Q_UNUSED(prompt);
    QElapsedTimer clock;
    clock.start();
    int sent = 0;
    while (sent < options.tokens) {
        // Timers tick in milliseconds; at high rates several tokens fall due
        // per tick, so pace by the clock rather than by one sleep per token.
        const auto due = qint64(double(clock.nsecsElapsed()) * options.tokensPerSecond / 1e9) + 1;
        while (sent < options.tokens && sent < due) {
            if (options.failAfter >= 0 && sent >= options.failAfter)
                throw std::runtime_error("the token source failed after " + std::to_string(sent) + " tokens");
            ++sent;
            // Named, not a temporary: GCC 12 destroys a co_yield temporary twice.
            QString token = QStringLiteral("t%1 ").arg(sent);
            co_yield token;
        }
        if (sent < options.tokens)
            co_await QCoro::sleepFor(1ms);
    }
}
