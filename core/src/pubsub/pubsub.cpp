#include <rill/pubsub.h>

#include <rill/json.h>

#include "redisconnection_p.h"
#include "../util/printable_p.h"

#include <hiredis/hiredis.h>

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <vector>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcPubSub, "rill.pubsub", QtWarningMsg)

namespace Rill {

namespace {
// Redis channels are "rill:" + topic, so other users of the server are not disturbed.
const QByteArray ChannelPrefix = "rill:";
} // namespace

struct PubSub::Private
{
    struct Subscription
    {
        quint64 id;
        Handler handler;
    };
    QHash<QString, std::vector<Subscription>> topics;
    QHash<quint64, QString> topicOf; // subscription id -> topic
    quint64 lastId = 0;
    // Published, not yet delivered: one queue keeps the order per topic
    // (and across topics, which costs nothing more).
    std::deque<std::pair<QString, QVariant>> queue;
    bool scheduled = false;

    // The Redis backend: one connection publishes, one is in subscriber mode.
    QUrl redisUrl;
    std::unique_ptr<detail::RedisConnection> pub;
    std::unique_ptr<detail::RedisConnection> sub;
    bool up = false;
    QSet<QString> subscribing; // SUBSCRIBE sent, not acknowledged
    // Publishes to a topic whose SUBSCRIBE is on its way: they wait for it,
    // so this instance's own subscribers see them too.
    QHash<QString, std::vector<QVariant>> held;
    QTimer reconnect;
    int backoff = 250;
};

PubSub::PubSub(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->reconnect.setSingleShot(true);
    connect(&d->reconnect, &QTimer::timeout, this, [this] { connectToRedis(d->redisUrl); });
}

PubSub::~PubSub() = default;

quint64 PubSub::subscribe(const QString &topic, QObject *context, Handler handler)
{
    const quint64 id = ++d->lastId;
    std::vector<Private::Subscription> &list = d->topics[topic];
    const bool first = list.empty();
    list.push_back(Private::Subscription{id, std::move(handler)});
    d->topicOf.insert(id, topic);
    if (context)
        connect(context, &QObject::destroyed, this, [this, id] { unsubscribe(id); });
    if (first && d->up)
        redisSubscribe(topic);
    return id;
}

void PubSub::unsubscribe(quint64 id)
{
    const auto at = d->topicOf.find(id);
    if (at == d->topicOf.end())
        return;
    const QString topicName = at.value();
    const auto topic = d->topics.find(topicName);
    d->topicOf.erase(at);
    if (topic == d->topics.end())
        return;
    std::erase_if(topic.value(), [id](const Private::Subscription &s) { return s.id == id; });
    if (!topic.value().empty())
        return;
    d->topics.erase(topic);
    if (d->up && !d->subscribing.contains(topicName))
        d->sub->command({"UNSUBSCRIBE", ChannelPrefix + topicName.toUtf8()});
}

void PubSub::publish(const QString &topic, const QVariant &message)
{
    if (d->up) {
        if (d->subscribing.contains(topic))
            d->held[topic].push_back(message);
        else
            redisPublish(topic, message);
        return;
    }
    enqueueLocal(topic, message);
}

void PubSub::enqueueLocal(const QString &topic, const QVariant &message)
{
    d->queue.emplace_back(topic, message);
    if (d->scheduled)
        return;
    d->scheduled = true;
    QMetaObject::invokeMethod(this, &PubSub::deliver, Qt::QueuedConnection);
}

int PubSub::subscriberCount(const QString &topic) const
{
    const auto it = d->topics.constFind(topic);
    return it == d->topics.cend() ? 0 : int(it->size());
}

void PubSub::deliver()
{
    d->scheduled = false;
    // What handlers publish now goes into the queue after these, and out in
    // the next turn: a handler that publishes cannot starve the loop.
    std::deque<std::pair<QString, QVariant>> batch;
    batch.swap(d->queue);
    QPointer<PubSub> self(this);
    for (const auto &[topic, message] : batch) {
        const auto it = d->topics.constFind(topic);
        if (it != d->topics.cend()) {
            // Ids, not the list: a handler may subscribe or unsubscribe.
            std::vector<quint64> ids;
            ids.reserve(it->size());
            for (const auto &s : *it)
                ids.push_back(s.id);
            for (quint64 id : ids) {
                const auto t = d->topics.constFind(topic);
                if (t == d->topics.cend())
                    break;
                const auto s = std::find_if(t->cbegin(), t->cend(), [id](const auto &x) { return x.id == id; });
                if (s == t->cend())
                    continue; // ended by an earlier handler
                const Handler handler = s->handler; // the subscription may end inside it
                handler(message);
                if (!self)
                    return;
            }
        }
        Q_EMIT delivered(topic, message);
        if (!self)
            return;
    }
}

// ---- the Redis backend ---------------------------------------------------

namespace {
// A Redis URL as messages show it: without user and password.
QString shown(const QUrl &url) { return url.adjusted(QUrl::RemoveUserInfo).toDisplayString(); }
} // namespace

bool PubSub::connectToRedis(const QUrl &url)
{
    if (url.scheme() != u"redis"_s || url.host().isEmpty()) {
        Q_EMIT redisError(u"not a Redis URL (redis://[[USER]:PASSWORD@]HOST[:PORT]): %1"_s.arg(shown(url)));
        return false;
    }
    d->redisUrl = url;
    d->up = false;
    d->pub = std::make_unique<detail::RedisConnection>();
    d->sub = std::make_unique<detail::RedisConnection>();
    for (detail::RedisConnection *c : {d->pub.get(), d->sub.get()}) {
        connect(c, &detail::RedisConnection::connected, this, [this] {
            if (!d->up && d->pub && d->pub->isConnected() && d->sub->isConnected())
                redisUp();
        }, Qt::QueuedConnection); // not from inside hiredis' callbacks (a slot may reconnect)
        connect(c, &detail::RedisConnection::lost, this, [this](const QString &why) { redisDown(why); },
                Qt::QueuedConnection); // not from inside hiredis' callbacks
    }
    const QString host = url.host();
    const int port = url.port(6379);
    // redis://[USER]:PASSWORD@HOST: AUTH first.
    const QByteArray user = url.userName(QUrl::FullyDecoded).toUtf8();
    const QByteArray password = url.password(QUrl::FullyDecoded).toUtf8();
    d->pub->open(host, port, user, password);
    d->sub->open(host, port, user, password);
    return true;
}

bool PubSub::isRedisConnected() const { return d->up; }

void PubSub::redisUp()
{
    d->up = true;
    d->backoff = 250;
    qCInfo(lcPubSub).noquote() << "sharing topics through" << shown(d->redisUrl);
    for (auto it = d->topics.cbegin(); it != d->topics.cend(); ++it)
        redisSubscribe(it.key());
    Q_EMIT redisConnected();
}

void PubSub::redisDown(const QString &why)
{
    if (!d->pub)
        return; // already handled (both connections report)
    const bool wasUp = d->up;
    d->up = false;
    // Close both: the other one may still be up, and a half backend would
    // deliver some messages twice or not at all.
    d->pub.reset();
    d->sub.reset();
    d->subscribing.clear();
    // What waited for a SUBSCRIBE goes to the local subscribers now.
    const auto held = std::exchange(d->held, {});
    for (auto it = held.cbegin(); it != held.cend(); ++it)
        for (const QVariant &m : it.value())
            enqueueLocal(it.key(), m);
    const QString message = u"Redis at %1 %2: %3; messages reach this instance's subscribers only until it is back"_s
                                .arg(shown(d->redisUrl), wasUp ? u"went away"_s : u"cannot be reached"_s,
                                     detail::printable(why, 300)); // Redis's words
    qCWarning(lcPubSub).noquote() << message;
    Q_EMIT redisError(message);
    d->reconnect.start(d->backoff);
    d->backoff = std::min(d->backoff * 2, 5000);
}

void PubSub::redisSubscribe(const QString &topic)
{
    d->subscribing.insert(topic);
    QPointer<PubSub> self(this);
    d->sub->command({"SUBSCRIBE", ChannelPrefix + topic.toUtf8()}, [self, topic](redisReply *r) {
        if (!self || !r || r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING)
            return;
        const QByteArrayView kind(r->element[0]->str, qsizetype(r->element[0]->len));
        if (kind == "subscribe") {
            self->d->subscribing.remove(topic);
            for (const QVariant &m : std::exchange(self->d->held[topic], {}))
                self->redisPublish(topic, m);
            self->d->held.remove(topic);
        } else if (kind == "message") {
            self->redisMessage(QByteArray(r->element[1]->str, qsizetype(r->element[1]->len)),
                               QByteArray(r->element[2]->str, qsizetype(r->element[2]->len)));
        }
    });
}

void PubSub::redisPublish(const QString &topic, const QVariant &message)
{
    // In a one-element array: any JSON value, strings included.
    const QByteArray payload = QJsonDocument(QJsonArray{QJsonValue::fromVariant(message)}).toJson(QJsonDocument::Compact);
    if (payload.size() > d->sub->maxReplyBytes() - 1024) { // what every instance's subscriber takes
        qCWarning(lcPubSub).noquote() << "not published: a message of" << payload.size() << "bytes on"
                                      << detail::printable(topic, 200) << "is over the limit for Redis ("
                                      << d->sub->maxReplyBytes() - 1024 << "bytes as JSON)";
        return;
    }
    if (!d->pub->command({"PUBLISH", ChannelPrefix + topic.toUtf8(), payload}))
        enqueueLocal(topic, message); // the connection is going: at least ours get it
}

void PubSub::redisMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (!channel.startsWith(ChannelPrefix))
        return;
    QString problem;
    const QVariant decoded = parseJson(payload, &problem);
    const QVariantList wrapped = decoded.toList();
    if (!problem.isEmpty() || decoded.typeId() != QMetaType::QVariantList || wrapped.size() != 1) {
        qCWarning(lcPubSub).noquote() << "dropped a message on"
                                      << detail::printable(QString::fromUtf8(channel), 200) << "that is not ours:"
                                      << (problem.isEmpty() ? u"not [value]"_s : detail::printable(problem, 200));
        return;
    }
    enqueueLocal(QString::fromUtf8(channel.mid(ChannelPrefix.size())), wrapped.constFirst());
}

} // namespace Rill
