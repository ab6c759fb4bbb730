import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    var code: String
    var description: String
}

/// `<scheme>://[user:password@]host[:port][/…]` → host and port (`defaultPort` when it names none).
func parseEndpoint(_ url: String, scheme: String, defaultPort: UInt16) throws -> (host: String, port: UInt16) {
    let prefix = scheme + "://"
    guard url.hasPrefix(prefix) else { throw HTTPClientError(code: "url", description: "only \(prefix) URLs: \(url)") }
    var rest = url.dropFirst(prefix.count)
    if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    guard let colon = rest.lastIndex(of: ":") else { return (String(rest), defaultPort) }
    guard let port = UInt16(rest[rest.index(after: colon)...]) else {
        throw HTTPClientError(code: "url", description: "bad port in \(url)")
    }
    return (String(rest[..<colon]), port)
}

/// One blocking IPv4 TCP connection with a read buffer and CRLF line reading: what the benchmark's
/// HTTP and SMTP clients share. Owned by one thread (never Swift's cooperative pool).
final class BlockingSocket {
    let host: String
    let port: UInt16
    let timeoutSeconds: Int
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Connects at once; throws `socket`, `address` or `connect`.
    init(host: String, port: UInt16, timeoutSeconds: Int) throws {
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
        #if canImport(Glibc)
            let socketType = Int32(SOCK_STREAM.rawValue)
        #else
            let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else {
            throw HTTPClientError(code: "socket", description: "socket() failed: errno \(errno)")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, self.host, &address.sin_addr) == 1 else {
            _ = Glibc.close(descriptor)
            throw HTTPClientError(code: "address", description: "only IPv4 literals are supported, not \(host)")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            _ = Glibc.close(descriptor)
            throw HTTPClientError(code: "connect", description: "connect to \(self.host):\(port) failed: errno \(code)")
        }
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        fd = descriptor
    }

    deinit { _ = Glibc.close(fd) }

    /// Writes all of `bytes`; throws `send`.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw HTTPClientError(code: "send", description: "send failed: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; throws `closed` at EOF.
    private func fill() throws {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65_536 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return
            }
            if count == 0 { throw HTTPClientError(code: "closed", description: "connection closed by the server") }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw HTTPClientError(code: "timeout", description: "no response within \(timeoutSeconds) s")
            }
            throw HTTPClientError(code: "recv", description: "recv failed: errno \(errno)")
        }
    }

    /// The next line without its CRLF, reading as needed.
    func line() throws -> String {
        while true {
            var i = readIndex
            while i + 1 < buffer.count {
                if buffer[i] == 13 && buffer[i + 1] == 10 {
                    let text = String(decoding: buffer[readIndex..<i], as: UTF8.self)
                    readIndex = i + 2
                    return text
                }
                i += 1
            }
            try fill()
        }
    }

    /// Exactly `count` bytes, reading as needed.
    func take(_ count: Int) throws -> [UInt8] {
        while buffer.count - readIndex < count { try fill() }
        let bytes = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return bytes
    }
}
