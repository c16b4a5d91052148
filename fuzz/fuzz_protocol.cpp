// The client-frame decoder on anything a socket may carry: it never throws
// or crashes, and a frame it accepts, once encoded, decodes and encodes to
// the same bytes (encode() turns lone surrogates into U+FFFD, so the first
// encoding is the fixed point, not the input). The server-frame decoder
// (the tests' and tools' side) too.
#include <rill/protocol.h>

#include <cstdint>
#include <cstdlib>

using Rill::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    Protocol::DecodeError error;
    if (const auto frame = Protocol::decodeClient(input, &error)) {
        const QByteArray encoded = Protocol::encode(*frame);
        const auto again = Protocol::decodeClient(encoded);
        if (!again || Protocol::encode(*again) != encoded)
            abort();
    } else if (error.message.isEmpty()) {
        abort(); // a refusal always says why
    }
    if (const auto frame = Protocol::decodeServer(input)) {
        const QByteArray encoded = Protocol::encode(*frame);
        const auto again = Protocol::decodeServer(encoded);
        if (!again || Protocol::encode(*again) != encoded)
            abort();
    }
    return 0;
}
