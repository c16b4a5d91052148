#pragma once

// The seed's "LLM Chat with Error Handling", in C++.

#include "tokensource.h"

#include <rill/liveview.h>

class ChatView : public Rill::LiveView
{
    Q_OBJECT
    Q_PROPERTY(QVariantList messages MEMBER m_messages)
    Q_PROPERTY(bool is_streaming MEMBER m_isStreaming)

public:
    explicit ChatView(TokenSourceOptions tokens);

    QCoro::Task<> ask(QVariantMap params);
    QCoro::Task<> stop(QVariantMap params);

private:
    QVariantList m_messages;
    bool m_isStreaming = false;
    TokenSourceOptions m_tokens;
};
