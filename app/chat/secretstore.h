#pragma once

// The system's secret store (the freedesktop Secret Service: GNOME Keyring,
// KWallet, KeePassXC) through libsecret, for rill-chat's API key.
//
// Each call is synchronous, on D-Bus, and quick when the store is unlocked;
// a locked one may ask the user to unlock it first. Without a session bus
// or a service, calls fail at once and say why: ChatSettings then keeps the
// key in a file only the user can read. RILL_CHAT_SECRET_STORE=off skips
// the store altogether (the tests do, so they never touch a developer's
// keyring).

#include <QString>

#include <optional>

namespace RillChat::SecretStore {

//! Whether to try the store at all (not when RILL_CHAT_SECRET_STORE=off).
bool enabled();

//! The secret saved for \a account under \a scope (rill-chat's config
//! folder: two setups on one machine keep two keys); nullopt with \a error
//! when the store cannot be asked, an empty optional value when it has none.
std::optional<QString> lookup(const QString &scope, const QString &account, QString *error);
bool store(const QString &scope, const QString &account, const QString &secret, QString *error);
//! Removes it; true also when there was none.
bool remove(const QString &scope, const QString &account, QString *error);

} // namespace RillChat::SecretStore
