// WebSocket frames as a client sends them, in chunks of any size (the first
// byte picks the chunking), through WebSocketReader; and its UTF-8 check
// against QString's decoder on the same bytes.
#include "net/websocket_p.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

using namespace Rill::detail;

static bool referenceUtf8(QByteArrayView bytes)
{
    // Valid UTF-8 decodes without replacement characters that were not
    // there, and encodes back to the same bytes.
    const QString text = QString::fromUtf8(bytes);
    return text.toUtf8() == bytes;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype chunk = 1 + data[0] % 97;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    if (WebSocket::isValidUtf8(input) != referenceUtf8(input))
        abort();

    WebSocketReader reader({.maxMessageBytes = 4096});
    QByteArray buffer;
    for (qsizetype pos = 0; pos < input.size(); pos += chunk) {
        buffer += input.sliced(pos, std::min(chunk, input.size() - pos));
        while (true) {
            qsizetype used = 0;
            WebSocketReader::Message message;
            const auto status = reader.read(buffer, &used, &message);
            if (used < 0 || used > buffer.size())
                abort();
            buffer.remove(0, used);
            if (status == WebSocketReader::Status::Error) {
                if (reader.errorCode() < 1000 || reader.errorMessage().isEmpty())
                    abort();
                return 0;
            }
            if (status == WebSocketReader::Status::NeedMore)
                break;
            if (message.payload.size() > 4096)
                abort(); // the bound holds
            if (message.opcode == WebSocket::Opcode::Text && !WebSocket::isValidUtf8(message.payload))
                abort(); // text reaches the server only as UTF-8
        }
    }
    // Whatever was read, frames built from it go back through the reader.
    const QByteArray again = WebSocket::clientFrame(WebSocket::Opcode::Text, input.first(std::min<qsizetype>(input.size(), 4096)), 0x01020304);
    WebSocketReader second;
    qsizetype used = 0;
    WebSocketReader::Message message;
    const auto status = second.read(again, &used, &message);
    if (WebSocket::isValidUtf8(input.first(std::min<qsizetype>(input.size(), 4096)))) {
        if (status != WebSocketReader::Status::Message || used != again.size())
            abort();
        if (message.payload != input.first(std::min<qsizetype>(input.size(), 4096)))
            abort();
    }
    return 0;
}
