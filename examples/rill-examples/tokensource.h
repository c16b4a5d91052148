#pragma once

// An offline stand-in for an LLM: streams numbered words at a set rate, and
// can fail after a number of tokens to show the error path.

#include <rill/canceltoken.h>

#include <QString>

#include <qcoro/qcoroasyncgenerator.h>

struct TokenSourceOptions
{
    int tokens = 200;          // tokens per answer
    double tokensPerSecond = 50;
    int failAfter = -1;        // throw after this many tokens; -1: never
};

// Yields "t1 ", "t2 ", ... paced at options.tokensPerSecond, and ends at
// once when \a cancel (may be null) is cancelled, as a model's stream does.
// Throws std::runtime_error after options.failAfter tokens.
QCoro::AsyncGenerator<QString> offlineTokens(const QString &prompt, TokenSourceOptions options,
                                             Rill::CancelToken *cancel = nullptr);
