// A LiveServer behind an access token, a counter view on /counter, and a
// LiveWindow showing it: what tst_qml_window starts.
import QtQml
import Rill

QtObject {
    property LiveServer server: LiveServer {
        id: server
        accessToken: generateToken()
        Route {
            path: "/counter"
            view: Component {
                LiveView {
                    property int count: 0
                    templateSource: `
                        <h1 style="color:#fff;background:#2a6">Counter</h1>
                        <p id="count" style="font-size:48px">{{ count }}</p>
                        <button id="add" dj-click="add" data-step="5">+5</button>`
                    function add(params) {
                        count += parseInt(Rill.param(params, "step"))
                    }
                }
            }
        }
    }

    property LiveWindow window: LiveWindow {
        server: server
        path: "/counter"
        title: "Counter"
        width: 640
        height: 480
    }
}
