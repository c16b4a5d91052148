// A top-level window showing one route of a LiveServer in Qt WebEngine (a
// Qt Quick WebEngineView): the desktop side of a QML-authored view. The page
// is just another browser of the server (through its access token, if it
// has one), so a remote browser can watch the same server at once.
//
// Plain QML on purpose: the Rill plugin links no WebEngine, so `import Rill`
// stays cheap for headless servers; QtWebEngine is loaded only when a
// LiveWindow is created. The application must call
// QtWebEngineQuick::initialize() before creating its QGuiApplication (as
// rill-view does); see docs/qml.md.
import QtQuick
import QtQuick.Window
import QtWebEngine
import Rill

Window {
    id: window

    //! The LiveServer whose route to show.
    property LiveServer server
    //! The route to open, "/" by default.
    property string path: "/"
    //! The page the window shows: the route's URL once the access gate has
    //! let it in (no ?access= left), about:blank while the server is not
    //! listening.
    readonly property url url: loader.item ? loader.item.url : "about:blank"
    //! True once the route's page has loaded (not yet live: the page then
    //! connects its socket, see data-rill-connected).
    readonly property bool isLoaded: d.loaded
    //! The last error (a failed load, the server's own error), or "".
    readonly property string errorString: d.error
    //! The WebEngineView, for tests and tweaks (zoom, profile, devtools).
    //! (null when serving headless: no browser is made then).
    readonly property alias webView: loader.item

    //! The route's page has loaded.
    signal loaded()
    //! Loading the page failed, or the server reported an error (e.g. its
    //! port is taken). Also printed as a warning.
    signal errorOccurred(string message)

    //! Runs \a script in the page; \a callback (optional) gets its result.
    function runJavaScript(script, callback) {
        if (callback)
            loader.item && loader.item.runJavaScript(script, callback)
        else
            loader.item && loader.item.runJavaScript(script)
    }
    //! Loads the route again (a fresh view on the server).
    function reload() { if (loader.item) loader.item.reload() }

    width: 1000
    height: 760
    visible: !Rill.headless
    title: loader.item ? loader.item.title : ""

    function _report(message) {
        d.error = message
        console.warn("LiveWindow: " + message)
        window.errorOccurred(message)
    }
    // The URL without its query: error messages must not leak the token.
    function _bare(u) {
        const s = String(u)
        const q = s.indexOf("?")
        return q < 0 ? s : s.substring(0, q)
    }

    // "HTTP 404" for an HTTP error, else Chromium's text (its error pages
    // put HTML in it) and code.
    function _reason(request) {
        if (request.errorDomain === WebEngineLoadingInfo.HttpStatusCodeDomain)
            return "HTTP " + request.errorCode
        const text = String(request.errorString || "").replace(/<[^>]*>/g, "").replace(/[:\s]+$/, "")
        return (text || "error") + " (" + request.errorCode + ")"
    }

    QtObject {
        id: d
        property bool loaded: false
        property string error: ""
        // Reads accessToken too: a token set later re-evaluates the URL.
        readonly property url target: window.server && window.server.listening
                                      && window.server.accessToken !== undefined
                                      ? window.server.pageUrl(window.path) : "about:blank"
    }

    Connections {
        target: window.server
        function onErrorOccurred(message) { window._report(message) }
    }

    Component.onCompleted: {
        if (!window.server)
            window._report("no server: set LiveWindow.server to a LiveServer")
    }

    // Serving headless (rill-view --serve), no browser is made at all: a
    // hidden one would be a client of its own server, and Chromium will not
    // start as root without flags a server does not want.
    Loader {
        id: loader
        anchors.fill: parent
        active: !Rill.headless
        sourceComponent: Component {
            WebEngineView {
                url: d.target
                onLoadingChanged: request => {
                    if (String(request.url) === "about:blank")
                        return
                    switch (request.status) {
                    case WebEngineView.LoadStartedStatus:
                        d.loaded = false
                        break
                    case WebEngineView.LoadSucceededStatus:
                        d.loaded = true
                        d.error = ""
                        window.loaded()
                        break
                    case WebEngineView.LoadFailedStatus:
                        d.loaded = false
                        window._report("cannot load " + window._bare(request.url) + ": "
                                       + window._reason(request))
                        break
                    }
                }
                onRenderProcessTerminated: (status, exitCode) => {
                    if (status !== WebEngineView.NormalTerminationStatus)
                        window._report("the page's renderer process ended (status " + status + ", code " + exitCode + ")")
                }
            }
        }
    }
}
