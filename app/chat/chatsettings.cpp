#include "chatsettings.h"

#include "secretstore.h"

#include <QLoggingCategory>

#include <rill/llm/ollamaprovider.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using Rill::Llm::ProviderConfig;

Q_LOGGING_CATEGORY(lcSettings, "rill.chat.settings", QtWarningMsg)

namespace RillChat {

namespace {

const QString KeyAccount = QStringLiteral("api-key");

std::optional<double> optionalDouble(const QSettings &s, const QString &key)
{
    bool ok = false;
    const double v = s.value(key).toDouble(&ok);
    return s.contains(key) && ok ? std::optional<double>(v) : std::nullopt;
}

std::optional<int> optionalInt(const QSettings &s, const QString &key)
{
    bool ok = false;
    const int v = s.value(key).toInt(&ok);
    return s.contains(key) && ok ? std::optional<int>(v) : std::nullopt;
}

template<typename T>
void setOptional(QSettings &s, const QString &key, const std::optional<T> &v)
{
    if (v)
        s.setValue(key, *v);
    else
        s.remove(key);
}

QString systemError() { return QString::fromLocal8Bit(std::strerror(errno)); }

} // namespace

ChatSettings::ChatSettings(const QString &configDir, QObject *parent) : QObject(parent), m_dir(configDir)
{
    if (m_dir.isEmpty()) {
        const QString org = QCoreApplication::organizationName().isEmpty() ? u"Rill"_s
                                                                         : QCoreApplication::organizationName();
        m_dir = QDir(QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)).filePath(org);
    }
    const QSettings s(settingsPath(), QSettings::IniFormat);
    m_provider = kindFromName(s.value(u"provider/kind"_s).toString());
    m_url = s.value(u"provider/url"_s).toString();
    m_model = s.value(u"provider/model"_s).toString();
    m_generation.systemPrompt = s.value(u"generation/system_prompt"_s).toString();
    m_generation.temperature = optionalDouble(s, u"generation/temperature"_s);
    m_generation.topP = optionalDouble(s, u"generation/top_p"_s);
    m_generation.maxTokens = optionalInt(s, u"generation/max_tokens"_s);
    m_generation.contextLength = optionalInt(s, u"generation/context_length"_s);

    // The system's secret store first, then the file.
    QString storeError;
    if (SecretStore::enabled()) {
        if (const std::optional<QString> saved = SecretStore::lookup(m_dir, KeyAccount, &storeError)) {
            m_secretStore = true;
            m_apiKey = *saved;
        } else {
            qCInfo(lcSettings).noquote() << "no secret store (" << storeError << "): the API key is kept in" << keyPath();
        }
    }
    QFile key(keyPath());
    if (m_apiKey.isEmpty() && key.exists()) {
        // Whoever loosened the file's mode, it is the user's again.
        const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if ((key.permissions() & ~(ownerOnly | QFileDevice::ReadUser | QFileDevice::WriteUser)) != 0)
            key.setPermissions(ownerOnly);
        if (key.open(QIODevice::ReadOnly))
            m_apiKey = QString::fromUtf8(key.readAll()).trimmed();
        key.close();
        // A key file from before the store was used: the key moves there.
        if (m_secretStore && !m_apiKey.isEmpty() && SecretStore::store(m_dir, KeyAccount, m_apiKey, &storeError))
            QFile::remove(keyPath());
    }
}

ChatSettings::~ChatSettings() = default;

QString ChatSettings::settingsPath() const { return QDir(m_dir).filePath(u"rill-chat.conf"_s); }
QString ChatSettings::keyPath() const { return QDir(m_dir).filePath(u"rill-chat.key"_s); }

QString ChatSettings::keyLocation() const { return m_secretStore ? u"the system's secret store"_s : keyPath(); }

QString ChatSettings::kindName(ProviderConfig::Kind kind)
{
    switch (kind) {
    case ProviderConfig::Kind::OpenAI: return u"openai"_s;
    case ProviderConfig::Kind::Ollama: return u"ollama"_s;
    case ProviderConfig::Kind::Demo: return u"demo"_s;
    case ProviderConfig::Kind::Auto: break;
    }
    return u"auto"_s;
}

ProviderConfig::Kind ChatSettings::kindFromName(const QString &name)
{
    if (name == u"openai"_s)
        return ProviderConfig::Kind::OpenAI;
    if (name == u"ollama"_s)
        return ProviderConfig::Kind::Ollama;
    if (name == u"demo"_s)
        return ProviderConfig::Kind::Demo;
    return ProviderConfig::Kind::Auto;
}

bool ChatSettings::sync(QSettings &s)
{
    s.sync();
    if (s.status() != QSettings::NoError) {
        m_error = u"cannot write %1"_s.arg(settingsPath());
        return false;
    }
    m_error.clear();
    return true;
}

bool ChatSettings::setProvider(ProviderConfig::Kind kind, const QString &url, const QString &apiKey)
{
    m_provider = kind;
    m_url = url;
    QDir().mkpath(m_dir);
    QSettings s(settingsPath(), QSettings::IniFormat);
    s.setValue(u"provider/kind"_s, kindName(kind));
    if (url.isEmpty())
        s.remove(u"provider/url"_s);
    else
        s.setValue(u"provider/url"_s, url);
    bool ok = sync(s);
    if (apiKey != m_apiKey) {
        if (writeKey(apiKey))
            m_apiKey = apiKey;
        else
            ok = false;
    }
    Q_EMIT changed();
    return ok;
}

bool ChatSettings::setModel(const QString &model)
{
    if (model == m_model)
        return true;
    m_model = model;
    QDir().mkpath(m_dir);
    QSettings s(settingsPath(), QSettings::IniFormat);
    s.setValue(u"provider/model"_s, model);
    const bool ok = sync(s);
    Q_EMIT changed();
    return ok;
}

bool ChatSettings::setGeneration(const GenerationSettings &g)
{
    m_generation = g;
    QDir().mkpath(m_dir);
    QSettings s(settingsPath(), QSettings::IniFormat);
    if (g.systemPrompt.isEmpty())
        s.remove(u"generation/system_prompt"_s);
    else
        s.setValue(u"generation/system_prompt"_s, g.systemPrompt);
    setOptional(s, u"generation/temperature"_s, g.temperature);
    setOptional(s, u"generation/top_p"_s, g.topP);
    setOptional(s, u"generation/max_tokens"_s, g.maxTokens);
    setOptional(s, u"generation/context_length"_s, g.contextLength);
    const bool ok = sync(s);
    Q_EMIT changed();
    return ok;
}

// In the secret store when there is one (and no file then), else a file.
bool ChatSettings::writeKey(const QString &key)
{
    if (m_secretStore) {
        QString error;
        const bool ok = key.isEmpty() ? SecretStore::remove(m_dir, KeyAccount, &error)
                                      : SecretStore::store(m_dir, KeyAccount, key, &error);
        if (ok)
            return writeKeyFile({}); // none left behind
        qCWarning(lcSettings).noquote() << "the secret store refused the key (" << error << "): using" << keyPath();
        m_secretStore = false;
    }
    return writeKeyFile(key);
}

// Written to a new file created 0600 (never readable by others, not even
// for a moment), then renamed over the old one.
bool ChatSettings::writeKeyFile(const QString &key)
{
    const QString path = keyPath();
    if (key.isEmpty()) {
        if (QFile::exists(path) && !QFile::remove(path)) {
            m_error = u"cannot remove %1"_s.arg(path);
            return false;
        }
        return true;
    }
    if (!QDir().mkpath(m_dir)) {
        m_error = u"cannot create %1"_s.arg(m_dir);
        return false;
    }
    const QByteArray tmp = QFile::encodeName(path + u".new"_s);
    ::unlink(tmp.constData());
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        m_error = u"cannot write %1: %2"_s.arg(path, systemError());
        return false;
    }
    bool ok = ::fchmod(fd, 0600) == 0; // whatever the umask
    const QByteArray bytes = key.toUtf8() + '\n';
    qsizetype done = 0;
    while (ok && done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        done += n > 0 ? n : 0;
    }
    ok = ok && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    ok = ok && ::rename(tmp.constData(), QFile::encodeName(path).constData()) == 0;
    if (!ok) {
        m_error = u"cannot write %1: %2"_s.arg(path, systemError());
        ::unlink(tmp.constData());
        return false;
    }
    return true;
}

ProviderConfig ChatSettings::applyTo(ProviderConfig config, bool providerFlagsGiven, bool keyFlagGiven) const
{
    if (providerFlagsGiven || m_provider == ProviderConfig::Kind::Auto)
        return config;
    const QString key = config.apiKey;
    config.kind = m_provider;
    if (m_provider == ProviderConfig::Kind::OpenAI)
        config.openAiBaseUrl = m_url.isEmpty() ? QUrl() : QUrl::fromUserInput(m_url);
    else if (m_provider == ProviderConfig::Kind::Ollama)
        config.ollamaHost = m_url.isEmpty() ? QUrl() : Rill::Llm::OllamaProvider::hostUrl(m_url);
    // The saved key goes with the saved provider; without one, the
    // environment's; --api-key over both.
    if (!keyFlagGiven && !m_apiKey.isEmpty())
        config.apiKey = m_apiKey;
    else
        config.apiKey = key;
    return config;
}

} // namespace RillChat
