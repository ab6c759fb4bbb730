import Foundation
import XCTest

/// Debian's chromium, headless, driven as a person would use it: it opens pages, fills their forms,
/// clicks their buttons and keeps its own cookies, through the DevTools protocol (a WebSocket on
/// loopback). For the tests that must see a page work in a real browser, not only render.
///
/// One browser = one profile (its own cookies); `close()` ends the process. The page's own scripts
/// and CSP are untouched: the test's JavaScript runs through `Runtime.evaluate`, as DevTools does.
public final class HeadlessBrowser: @unchecked Sendable {
    public struct BrowserError: Error, CustomStringConvertible {
        public let description: String
    }

    let pid: pid_t
    let profile: URL
    let socket: DevToolsSocket
    var nextId = 0
    /// DevTools events received so far (e.g. `Network.requestWillBeSent` after `Network.enable`).
    public private(set) var events: [[String: Any]] = []

    private init(pid: pid_t, profile: URL, socket: DevToolsSocket) {
        self.pid = pid
        self.profile = profile
        self.socket = socket
    }

    /// The chromium binary, or a skip (a failure when the infrastructure is required).
    public static func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        if IntegrationEnvironment.infrastructureRequired {
            XCTFail("chromium is not installed (deploy/local/infra.sh install)")
        }
        throw XCTSkip("chromium is not installed")
    }

    /// Starts a headless chromium with a fresh profile and attaches to its page.
    public static func launch() async throws -> HeadlessBrowser {
        let binary = try chromium()
        let port = try freePort()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("hromada-chromium-\(UUID())")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=\(port)", "--remote-allow-origins=*",
            "--user-data-dir=\(profile.path)", "--window-size=1280,1600", "about:blank",
        ]
        // Inherited descriptors closed (as IntegrationEnvironment.infra does), output to the profile's log.
        let command =
            Shell.closingInheritedDescriptors
            + "exec \(Shell.quote([binary] + flags)) >\(Shell.quote(profile.path))/chromium.log 2>&1 </dev/null"
        guard let pid = try? Shell.spawn(["/bin/bash", "-c", command]) else {
            throw BrowserError(description: "chromium could not be started")
        }
        // Wait for the DevTools endpoint and find the page's WebSocket.
        var target: String?
        let deadline = Date().addingTimeInterval(30)
        while target == nil, Date() < deadline {
            if let data = DevToolsSocket.get(port: port, path: "/json/list"),
                let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            {
                target = list.first { $0["type"] as? String == "page" }?["webSocketDebuggerUrl"] as? String
            }
            if target == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        guard let target, let path = URL(string: target)?.path else {
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
            let log = (try? String(contentsOf: profile.appendingPathComponent("chromium.log"), encoding: .utf8)) ?? ""
            throw BrowserError(description: "chromium's DevTools endpoint did not answer: \(log.suffix(1500))")
        }
        let browser = HeadlessBrowser(pid: pid, profile: profile, socket: try DevToolsSocket(port: port, path: path))
        _ = try browser.call("Page.enable")
        return browser
    }

    /// Ends chromium and removes its profile.
    public func close() {
        socket.close()
        kill(pid, SIGTERM)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: The protocol

    /// Sends one DevTools command and returns its `result` (events in between are skipped).
    @discardableResult
    public func call(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        nextId += 1
        let id = nextId
        let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try socket.send(message)
        while true {
            let data = try socket.receive()
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            guard object["id"] as? Int == id else {
                if object["method"] != nil { events.append(object) }
                continue
            }
            if let error = object["error"] as? [String: Any] {
                throw BrowserError(description: "\(method): \(error["message"] as? String ?? "error")")
            }
            return object["result"] as? [String: Any] ?? [:]
        }
    }

    /// Evaluates `expression` in the page and returns its value (strings, numbers, booleans, JSON).
    @discardableResult
    public func evaluate(_ expression: String) throws -> Any? {
        let result = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            let text = (exception["exception"] as? [String: Any])?["description"] as? String
            throw BrowserError(description: "script failed: \(text ?? exception["text"] as? String ?? "?")")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `condition` (a JavaScript expression) is true in the page.
    public func wait(until condition: String, timeout: TimeInterval = 20) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? evaluate(condition)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BrowserError(description: "timed out waiting for: \(condition)")
    }

    /// Runs `action` (JavaScript that navigates: a click on a submit button, a link) and waits until
    /// the next page has loaded.
    public func navigating(_ action: String) async throws {
        try evaluate("window.__hromadaPreviousPage = true; \(action); true")
        try await wait(until: "!window.__hromadaPreviousPage && document.readyState === 'complete'")
    }

    /// Opens `url` and waits for it to load.
    public func open(_ url: String) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [url]), as: UTF8.self)
        try await navigating("location.href = \(json)[0]")
    }

    /// Types `value` into the form field named `name` (a text input, a textarea, a select's option,
    /// a date) as a person would, firing the input and change events; a checkbox is ticked.
    public func fill(_ name: String, _ value: String) throws {
        let arguments = String(decoding: try JSONSerialization.data(withJSONObject: [name, value]), as: UTF8.self)
        let found = try evaluate(
            """
            (() => {
              const [name, value] = \(arguments);
              const field = document.querySelector(`[name="${name}"]`);
              if (!field) return false;
              field.focus();
              if (field.type === 'checkbox') { field.checked = true; } else { field.value = value; }
              field.dispatchEvent(new Event('input', { bubbles: true }));
              field.dispatchEvent(new Event('change', { bubbles: true }));
              return true;
            })()
            """)
        guard found as? Bool == true else { throw BrowserError(description: "no field named \(name)") }
    }

    /// Clicks the element `selector` finds (e.g. a form's submit button) and waits for the next page.
    public func click(_ selector: String) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [selector]), as: UTF8.self)
        let exists = try evaluate("document.querySelector(\(json)[0]) !== null")
        guard exists as? Bool == true else { throw BrowserError(description: "nothing matches \(selector)") }
        try await navigating("document.querySelector(\(json)[0]).click()")
    }

    /// The page's current HTML, as the browser holds it.
    public func html() throws -> String { try evaluate("document.documentElement.outerHTML") as? String ?? "" }

    /// The page's address.
    public func location() throws -> String { try evaluate("location.href") as? String ?? "" }

    /// A PNG of the page, written to `.hromada/screenshots/<name>.png`; returns its path.
    @discardableResult
    public func screenshot(_ name: String) throws -> URL {
        let folder = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("\(name).png")
        let result = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw BrowserError(description: "no screenshot")
        }
        try data.write(to: file)
        print("screenshot: \(file.path)")
        return file
    }

    /// A loopback port nobody listens on now (for a server whose public URL must be known before it starts).
    public static func freePort() throws -> UInt16 { UInt16(try IntegrationEnvironment.freeLoopbackPort()) }
}

/// A minimal WebSocket client (RFC 6455) over a blocking loopback socket: text frames out (masked,
/// as a client must), whole messages in (fragments joined, pings skipped). Enough for DevTools.
final class DevToolsSocket: @unchecked Sendable {
    let fd: Int32
    var buffer: [UInt8] = []

    init(port: UInt16, path: String) throws {
        // Never hang a test: a read waits at most 30 s.
        fd = try Self.connectLoopback(port: port, readTimeoutSeconds: 30)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let upgrade =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try write(Array(upgrade.utf8))
        var head: [UInt8] = []
        while !head.ends(with: [13, 10, 13, 10]) { head.append(try read(1)[0]) }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            throw HeadlessBrowser.BrowserError(description: "DevTools refused the WebSocket upgrade")
        }
    }

    func close() { Foundation.close(fd) }

    /// A TCP socket connected to `127.0.0.1:port` whose reads give up after `readTimeoutSeconds`.
    static func connectLoopback(port: UInt16, readTimeoutSeconds: Int) throws -> Int32 {
        let fd = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HeadlessBrowser.BrowserError(description: "no socket") }
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Foundation.close(fd)
            throw HeadlessBrowser.BrowserError(description: "DevTools socket refused")
        }
        return fd
    }

    /// A plain HTTP GET on loopback (DevTools' `/json/list`): the body, or nil when nothing answers.
    /// The body ends at its `Content-Length`: chromium keeps the connection open despite
    /// `Connection: close`, so reading until it closes waited out the read timeout (5 s a launch).
    static func get(port: UInt16, path: String) -> Data? {
        guard let fd = try? connectLoopback(port: port, readTimeoutSeconds: 5) else { return nil }
        defer { Foundation.close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard
            request.withUnsafeBytes({ Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
                == request.count
        else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !isComplete(response) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else { return nil }
        return Data(text[split.upperBound...].utf8)
    }

    /// Whether `response` holds its whole head and as many body bytes as its `Content-Length` says
    /// (without one, the body ends when the server closes).
    static func isComplete(_ response: [UInt8]) -> Bool {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard response.count >= separator.count,
            let end = (0...(response.count - separator.count)).first(where: {
                response[$0..<($0 + separator.count)].elementsEqual(separator)
            })
        else { return false }
        let head = String(decoding: response[..<end], as: UTF8.self).lowercased()
        guard
            let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return response.count - (end + separator.count) >= length
    }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw HeadlessBrowser.BrowserError(description: "DevTools socket closed") }
            sent += n
        }
    }

    func read(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw HeadlessBrowser.BrowserError(description: "DevTools socket closed or timed out") }
            buffer += chunk[0..<n]
        }
        let out = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return out
    }

    func send(_ payload: Data) throws {
        var frame: [UInt8] = [0x81]
        let length = payload.count
        if length < 126 {
            frame.append(0x80 | UInt8(length))
        } else if length < 65_536 {
            frame += [0x80 | 126, UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((length >> ($0 * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try write(frame)
    }

    /// The next whole text message.
    func receive() throws -> Data {
        var message: [UInt8] = []
        while true {
            let header = try read(2)
            let fin = header[0] & 0x80 != 0
            let opcode = header[0] & 0x0F
            var length = Int(header[1] & 0x7F)
            if length == 126 {
                let b = try read(2)
                length = Int(b[0]) << 8 | Int(b[1])
            } else if length == 127 {
                length = try read(8).reduce(0) { $0 << 8 | Int($1) }
            }
            let mask = header[1] & 0x80 != 0 ? try read(4) : nil
            var payload = try read(length)
            if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
            switch opcode {
            case 0x8: throw HeadlessBrowser.BrowserError(description: "DevTools closed the WebSocket")
            case 0x9, 0xA: continue
            default:
                message += payload
                if fin { return Data(message) }
            }
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
