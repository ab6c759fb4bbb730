import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal SMTP server for one test, on a free port: counts connections, keeps the `Message-ID` of
/// every message it received, and drops each connection after `closeAfter` messages, either right
/// after its `250` (`.afterReply`, as a server with a per-connection limit does) or once the message
/// has arrived and before any reply (`.beforeReply`: the client cannot know it was taken).
final class DroppingSMTPServer: @unchecked Sendable {
    enum Drop { case afterReply, beforeReply }

    struct Unavailable: Error {}

    let port: Int
    private let listener: Int32
    private let closeAfter: Int
    private let drop: Drop
    private let state = Mutex<(connections: Int, received: [String], recipients: [String], open: Set<Int32>)>(
        (0, [], [], []))

    /// Connections accepted so far.
    var connections: Int { state.withLock { $0.connections } }
    /// The `Message-ID` of each message received, in order (a copy received twice appears twice).
    var received: [String] { state.withLock { $0.received } }
    /// The `RCPT TO` argument of each message received, in order.
    var recipients: [String] { state.withLock { $0.recipients } }

    init(closeAfter: Int = .max, drop: Drop = .afterReply) throws {
        self.closeAfter = closeAfter
        self.drop = drop
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Unavailable() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw Unavailable()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Stops accepting and closes every open connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in state.withLock({ $0.open }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            state.withLock {
                $0.connections += 1
                $0.open.insert(fd)
            }
            let thread = Thread { [self] in
                serve(fd)
                state.withLock { _ = $0.open.remove(fd) }
                close(fd)
            }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        let connection = LineConnection(fd: fd)
        connection.write("220 test ESMTP\r\n")
        var messages = 0
        var recipient = ""
        while let line = connection.readLine() {
            let verb = line.prefix(4).uppercased()
            switch verb {
            case "EHLO", "HELO": connection.write("250 test\r\n")
            case "RCPT":
                recipient = line.dropFirst("RCPT TO:".count).trimmingCharacters(in: .whitespaces)
                connection.write("250 OK\r\n")
            case "MAIL", "RSET", "NOOP": connection.write("250 OK\r\n")
            case "QUIT":
                connection.write("221 bye\r\n")
                return
            case "DATA":
                connection.write("354 go on\r\n")
                var messageID = ""
                while let data = connection.readLine(), data != "." {
                    if data.lowercased().hasPrefix("message-id:") {
                        messageID = data.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
                    }
                }
                messages += 1
                state.withLock {
                    $0.received.append(messageID)
                    $0.recipients.append(recipient)
                }
                if messages >= closeAfter && drop == .beforeReply { return }
                connection.write("250 OK queued\r\n")
                if messages >= closeAfter { return }
            default: connection.write("502 not here\r\n")
            }
        }
    }
}

/// CRLF lines over a blocking socket.
private final class LineConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func readLine() -> String? {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }
}
