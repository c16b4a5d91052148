#pragma once

// What the user chose in rill-chat's settings panel, kept across starts:
// the provider, its URL and model and the generation options in
// CONFIG/Rill/rill-chat.conf (QSettings; CONFIG is $XDG_CONFIG_HOME or
// ~/.config), the API key apart in CONFIG/Rill/rill-chat.key, a file only
// the user may read (0600), unless the system has a secret store (the
// freedesktop Secret Service: GNOME Keyring, KWallet...): then the key is
// kept there, and a key file of an earlier version moves into it. The key
// is never written to the .conf file nor logged.

#include <rill/llm/providerconfig.h>

#include <QObject>
#include <QString>

#include <optional>

class QSettings;

namespace RillChat {

//! How answers are asked for; unset: the server's default.
struct GenerationSettings
{
    QString systemPrompt; //!< the default one; a conversation may have its own
    std::optional<double> temperature;
    std::optional<double> topP;
    std::optional<int> maxTokens;
    std::optional<int> contextLength;

    bool operator==(const GenerationSettings &) const = default;
};

class ChatSettings : public QObject
{
    Q_OBJECT
public:
    //! Reads what was saved in \a configDir (default: the user's config
    //! folder's Rill/, as QStandardPaths finds it now).
    explicit ChatSettings(const QString &configDir = {}, QObject *parent = nullptr);
    ~ChatSettings() override;

    QString settingsPath() const;
    QString keyPath() const;
    //! Where the key is kept: "the system's secret store" or the key file's
    //! path (where it would be, while there is none).
    QString keyLocation() const;
    //! Whether the system's secret store answered (keys go there then).
    bool usesSecretStore() const { return m_secretStore; }
    //! The last error writing the settings or the key ("" when fine).
    QString errorString() const { return m_error; }

    //! The provider chosen in the panel; Auto when none was (then the URL
    //! and key are not used either).
    Rill::Llm::ProviderConfig::Kind provider() const { return m_provider; }
    QString url() const { return m_url; }
    QString apiKey() const { return m_apiKey; }
    //! Saves the provider, its URL and key (an empty key removes the key file).
    bool setProvider(Rill::Llm::ProviderConfig::Kind kind, const QString &url, const QString &apiKey);

    //! The model last chosen.
    QString model() const { return m_model; }
    bool setModel(const QString &model);

    GenerationSettings generation() const { return m_generation; }
    bool setGeneration(const GenerationSettings &generation);

    /*!
      \a config (from the environment and flags) with what was saved: the
      saved provider wins over the environment, flags win over both. With
      any of --provider, --openai-base-url, --ollama-host given, nothing
      saved applies; --api-key alone replaces only the saved key.
    */
    Rill::Llm::ProviderConfig applyTo(Rill::Llm::ProviderConfig config, bool providerFlagsGiven,
                                      bool keyFlagGiven) const;

    //! The configuration the running provider was made from (for the panel).
    Rill::Llm::ProviderConfig current() const { return m_current; }
    void setCurrent(const Rill::Llm::ProviderConfig &config) { m_current = config; }

    static QString kindName(Rill::Llm::ProviderConfig::Kind kind);
    static Rill::Llm::ProviderConfig::Kind kindFromName(const QString &name);

Q_SIGNALS:
    void changed();

private:
    bool writeKey(const QString &key);
    bool writeKeyFile(const QString &key);
    bool sync(QSettings &settings);

    QString m_dir;
    QString m_error;
    Rill::Llm::ProviderConfig::Kind m_provider = Rill::Llm::ProviderConfig::Kind::Auto;
    QString m_url;
    QString m_apiKey;
    bool m_secretStore = false;
    QString m_model;
    GenerationSettings m_generation;
    Rill::Llm::ProviderConfig m_current;
};

} // namespace RillChat
