#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace Rill::Llm {

//! A picture sent with a message, for models that see (vision models).
struct ChatImage
{
    QString mimeType; //!< image/png, image/jpeg, image/webp, image/gif
    QByteArray data;  //!< the file's bytes
};

//! One turn of a conversation; role is "system", "user" or "assistant".
//! Images go as OpenAI `image_url` content parts (data: URLs) or in
//! Ollama's `images` list.
struct ChatMessage
{
    QString role;
    QString content;
    QList<ChatImage> images;
};

//! What to ask a provider for. Unset options leave the server's defaults.
//! A system prompt is the first message, with role "system".
struct ChatRequest
{
    QString model;
    QList<ChatMessage> messages;
    std::optional<double> temperature; //!< OpenAI temperature, Ollama options.temperature
    std::optional<double> topP;        //!< OpenAI top_p, Ollama options.top_p
    std::optional<int> maxTokens;      //!< OpenAI max_tokens, Ollama options.num_predict
    //! The context window in tokens: Ollama options.num_ctx. The OpenAI API
    //! has no such parameter (a llama.cpp or vLLM server fixes it at launch),
    //! so the OpenAI-compatible provider does not send it.
    std::optional<int> contextLength;
};

//! Token counts as the server reports them; -1 where it did not say.
struct Usage
{
    int promptTokens = -1;
    int completionTokens = -1;
};

/*!
  One step of a streamed answer: a piece of the answer, a piece of the
  model's reasoning (for models that stream a thinking channel), or the end.

  A stream that ends normally ends with exactly one Finished event; its
  finishReason is the server's ("stop", "length", ...) or "cancelled" when
  the caller's CancelToken stopped it. A stream that fails throws
  ProviderError instead, after the events it already yielded.
*/
struct ChatEvent
{
    enum class Kind { Content, Reasoning, Finished };

    Kind kind = Kind::Content;
    QString text;         //!< Content and Reasoning
    QString finishReason; //!< Finished
    Usage usage;          //!< Finished

    static ChatEvent content(QString text) { return {Kind::Content, std::move(text), {}, {}}; }
    static ChatEvent reasoning(QString text) { return {Kind::Reasoning, std::move(text), {}, {}}; }
    static ChatEvent finished(QString reason, Usage usage = {}) { return {Kind::Finished, {}, std::move(reason), usage}; }
};

} // namespace Rill::Llm
