import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response of `BlockingHTTPConnection`.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    var code: String
    var description: String
}

/// A minimal HTTP/1.1 keep-alive client over one blocking IPv4 TCP socket. Owned by one thread
/// (the benchmark's worker threads; never Swift's cooperative pool). Enough for a load generator
/// against 127.0.0.1: Content-Length and chunked bodies, reconnect when the server closed the
/// connection.
final class BlockingHTTPConnection {
    let host: String
    let port: UInt16
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var requestsOnConnection = 0
    private let timeoutSeconds: Int

    init(host: String, port: UInt16, timeoutSeconds: Int = 30) {
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { closeSocket() }

    /// Sends one request and reads its response. A request on a reused keep-alive connection that
    /// the server had already closed is sent once more on a fresh connection (the benchmark's POSTs
    /// carry an Idempotency-Key, so a resend never registers twice).
    func request(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            if fd < 0 { try connectSocket() }
            let reused = requestsOnConnection > 0
            do {
                try send(method: method, path: path, headers: headers, body: body)
                let response = try readResponse()
                requestsOnConnection += 1
                if response.header("Connection")?.lowercased() == "close" { closeSocket() }
                return response
            } catch let error as HTTPClientError where reused && attempt == 1 && (error.code == "closed" || error.code == "send") {
                closeSocket()
                continue
            } catch {
                closeSocket()
                throw error
            }
        }
    }

    func close() { closeSocket() }

    // MARK: Socket

    private func connectSocket() throws {
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw HTTPClientError(code: "socket", description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = Glibc.close(descriptor)
            throw HTTPClientError(code: "address", description: "only IPv4 literals are supported, not \(host)")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            _ = Glibc.close(descriptor)
            throw HTTPClientError(code: "connect", description: "connect to \(host):\(port) failed: errno \(code)")
        }
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        fd = descriptor
        buffer.removeAll(keepingCapacity: true)
        readIndex = 0
        requestsOnConnection = 0
    }

    private func closeSocket() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
        buffer.removeAll(keepingCapacity: true)
        readIndex = 0
        requestsOnConnection = 0
    }

    private func send(method: String, path: String, headers: [(String, String)], body: [UInt8]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: keep-alive\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
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
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPClientError(code: "timeout", description: "no response within \(timeoutSeconds) s") }
            throw HTTPClientError(code: "recv", description: "recv failed: errno \(errno)")
        }
    }

    /// Index just past the next CRLF at or after `from`, filling as needed.
    private func line() throws -> String {
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

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count - readIndex < count { try fill() }
        let bytes = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return bytes
    }

    private func readResponse() throws -> HTTPResponse {
        let statusLine = try line()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError(code: "protocol", description: "bad status line")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let header = try line()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { continue }
            headers.append((String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = HTTPResponse(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try line()
                let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPClientError(code: "protocol", description: "bad chunk size")
                }
                if size == 0 {
                    while try !line().isEmpty {}  // trailers
                    break
                }
                body.append(contentsOf: try take(size))
                _ = try line()
            }
        } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            body = try take(length)
        } else if status != 204 && status != 304 {
            throw HTTPClientError(code: "protocol", description: "response without a length")
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// Splits `http://host:port` into host and port.
func parseHTTPBase(_ url: String) throws -> (host: String, port: UInt16) {
    guard url.hasPrefix("http://") else { throw HTTPClientError(code: "url", description: "only http:// URLs: \(url)") }
    var rest = url.dropFirst("http://".count)
    if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    if let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) {
        return (String(rest[..<colon]), port)
    }
    return (String(rest), 80)
}
