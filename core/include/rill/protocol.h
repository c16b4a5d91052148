#pragma once

#include <rill/rillcore_export.h>
#include <rill/streamop.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QVariantMap>

#include <optional>
#include <variant>

namespace Rill {

/*!
  The wire protocol (docs/protocol.md) as C++ values: every frame either side
  sends, and the codec between them and JSON text. This is the only C++ code
  that spells a wire key.

  Decoding never throws: it returns the frame, or nothing and a DecodeError
  whose code (bad_frame, unknown_type) and message go straight into an
  `error` frame. Keys a frame does not define are ignored, so either side may
  grow new optional keys.

  \code
  Rill::Protocol::DecodeError error;
  const auto frame = Rill::Protocol::decodeClient(message.toUtf8(), &error);
  if (!frame) {
      // e.g. BadFrame, "join: key 'lastSeq' must be an integer, got a string"
      socket->sendTextMessage(QString::fromUtf8(Rill::Protocol::encode(
          Rill::Protocol::Error{++seq, error.code, error.message, std::nullopt})));
      return;
  }
  if (const auto *join = std::get_if<Rill::Protocol::Join>(&*frame))
      bind(join->token, join->lastSeq);
  \endcode
*/
class RILL_CORE_EXPORT Protocol
{
    Q_GADGET
public:
    enum class ErrorCode {
        BadFrame,
        UnknownType,
        UnknownEvent,
        BadParams,
        HandlerFailed,
        RenderFailed,
        UnknownSession,
        NotJoined,
        RateLimited, //!< more events than ServerLimits allows; the event was dropped
        Busy,        //!< too many handlers running in this session; the event was dropped
    };
    Q_ENUM(ErrorCode)

    // Client to server.
    struct Join
    {
        QString token;
        qint64 lastSeq = 0;
        bool operator==(const Join &) const = default;
    };
    struct Event
    {
        QString event;
        QVariantMap params;
        qint64 ref = 0;
        bool operator==(const Event &) const = default;
    };
    struct Ping
    {
        qint64 ref = 0;
        bool operator==(const Ping &) const = default;
    };
    using ClientFrame = std::variant<Join, Event, Ping>;

    // Server to client; seq is per session, 1 for the first frame.
    struct Mount
    {
        qint64 seq = 0;
        std::optional<QString> html; //!< absent: nothing was missed, resume as is
        //! Streamed content the page missed could not all be restored (it
        //! exceeded what the server keeps): the page says so.
        bool lost = false;
        bool operator==(const Mount &) const = default;
    };
    struct Render
    {
        qint64 seq = 0;
        QString html;
        bool operator==(const Render &) const = default;
    };
    struct Stream
    {
        qint64 seq = 0;
        QString stream;
        QList<StreamOp> ops; //!< each op's stream is \c stream; Render ops do not belong here
        bool operator==(const Stream &) const = default;
    };
    struct Reply
    {
        qint64 seq = 0;
        qint64 ref = 0;
        bool operator==(const Reply &) const = default;
    };
    struct Error
    {
        qint64 seq = 0;
        ErrorCode code = ErrorCode::BadFrame;
        QString message;
        std::optional<qint64> ref;
        bool operator==(const Error &) const = default;
    };
    struct Pong
    {
        qint64 seq = 0;
        qint64 ref = 0;
        bool operator==(const Pong &) const = default;
    };
    using ServerFrame = std::variant<Mount, Render, Stream, Reply, Error, Pong>;

    struct DecodeError
    {
        ErrorCode code = ErrorCode::BadFrame;
        QString message;
    };

    //! Compact JSON, UTF-8. Valid for any QString: lone surrogates become U+FFFD.
    static QByteArray encode(const ClientFrame &frame);
    static QByteArray encode(const ServerFrame &frame);

    //! \a error may be null; it is left untouched on success.
    static std::optional<ClientFrame> decodeClient(QByteArrayView json, DecodeError *error = nullptr);
    static std::optional<ServerFrame> decodeServer(QByteArrayView json, DecodeError *error = nullptr);

    /*!
      One StreamBatcher flush as frames, in order: each run of consecutive
      ops of one stream becomes a Stream frame, each Render op a Render frame.
      \a seq is the last seq sent; every frame gets the next one.
    */
    static QList<ServerFrame> framesForBatch(const QList<StreamOp> &ops, qint64 &seq);

    //! The wire spelling: "bad_frame", "unknown_type", ...
    static QString errorCodeName(ErrorCode code);
    static std::optional<ErrorCode> errorCodeFromName(QStringView name);
};

} // namespace Rill
