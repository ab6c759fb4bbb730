import CCurl
import CHromadaShims
import Foundation

/// One libcurl easy handle kept across SMTP transactions, so consecutive messages to the same server
/// go over one connection (libcurl keeps the connection open in the handle and starts the next
/// transaction with `MAIL FROM` on it). Blocking; used by one thread at a time (a sender lane).
///
/// A connection the server has closed (idle timeout, a limit of messages per connection) is found
/// either by libcurl before reuse (it then connects afresh by itself) or by the transaction failing.
/// A failure before any byte of the message was uploaded cannot have delivered it, so that
/// transaction is tried once more on a fresh connection; a failure after the upload started is not
/// retried here (the server may have accepted it): it is reported as a temporary failure like any
/// other, exactly as with a connection per message.
public final class SMTPConnection: @unchecked Sendable {
    let transport: SMTPTransport
    private var handle: UnsafeMutableRawPointer?
    /// Transactions sent on the current connection (0: the next one connects).
    public private(set) var transactionsOnConnection = 0
    /// Transactions retried on a fresh connection because a reused one had gone.
    public private(set) var reconnects = 0

    public init(transport: SMTPTransport) {
        SMTPTransport.initializeOnce()
        self.transport = transport
    }

    deinit { close() }

    /// Closes the connection (libcurl sends `QUIT`).
    public func close() {
        if let handle { curl_easy_cleanup(handle) }
        handle = nil
        transactionsOnConnection = 0
    }

    /// Sends `message` from `mailFrom` to `recipient`, reusing the open connection when there is one.
    public func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        let reused = transactionsOnConnection > 0
        let attempt = transfer(message: message, mailFrom: mailFrom, recipient: recipient)
        if case .sent = attempt.outcome {
            transactionsOnConnection += 1
            return .sent
        }
        close()  // a failed transaction leaves the connection in an unknown state
        let closedByServer = attempt.replyLine.map { $0.hasPrefix("421") } ?? true
        guard reused, attempt.uploadedBytes == 0, closedByServer else { return attempt.outcome }
        // The reused connection was gone before the message: nothing can have been accepted.
        reconnects += 1
        let retry = transfer(message: message, mailFrom: mailFrom, recipient: recipient)
        if case .sent = retry.outcome { transactionsOnConnection += 1 } else { close() }
        return retry.outcome
    }

    private struct Attempt {
        var outcome: SendOutcome
        var uploadedBytes: Int
        /// The server's error reply, when it sent one (a refusal, not a lost connection).
        var replyLine: String?
    }

    private func transfer(message: [UInt8], mailFrom: String, recipient: String) -> Attempt {
        guard SMTPTransport.initializeOnce(), let handle = handle ?? curl_easy_init() else {
            let outcome = SendOutcome.temporary(reason: "libcurl could not be initialised")
            return Attempt(outcome: outcome, uploadedBytes: 0, replyLine: nil)
        }
        self.handle = handle
        let endpoint = transport.endpoint
        let upload = UploadState(bytes: message)
        let uploadPointer = Unmanaged.passRetained(upload)
        defer { uploadPointer.release() }
        let replies = ReplyLog()
        let repliesPointer = Unmanaged.passRetained(replies)
        defer { repliesPointer.release() }

        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        recipients = curl_slist_append(recipients, "<\(recipient)>")
        defer {
            // The handle outlives this transfer: it must not keep pointers to what is freed here.
            _ = hromada_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, nil)
            _ = hromada_curl_setopt_pointer(handle, CURLOPT_READDATA, nil)
            _ = hromada_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
            _ = hromada_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            curl_slist_free_all(recipients)
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let configured: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var code = CURLE_OK
            func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
            set(hromada_curl_setopt_string(handle, CURLOPT_URL, endpoint.url))
            set(hromada_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(hromada_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, transport.connectTimeoutSeconds))
            set(hromada_curl_setopt_long(handle, CURLOPT_TIMEOUT, transport.timeoutSeconds))
            set(hromada_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(mailFrom)>"))
            set(hromada_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients)))
            set(hromada_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
            set(hromada_curl_setopt_long(handle, CURLOPT_INFILESIZE, message.count))
            set(hromada_curl_setopt_read_function(handle, readCallback))
            set(hromada_curl_setopt_pointer(handle, CURLOPT_READDATA, uploadPointer.toOpaque()))
            set(
                hromada_curl_setopt_pointer(
                    handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorPointer.baseAddress)))
            // The server's replies, to give a refusal's own words as the failure reason.
            set(hromada_curl_setopt_long(handle, CURLOPT_VERBOSE, 1))
            set(
                hromada_curl_setopt_pointer(
                    handle, CURLOPT_DEBUGFUNCTION, unsafeBitCast(debugCallback, to: UnsafeMutableRawPointer.self)))
            set(hromada_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, repliesPointer.toOpaque()))
            switch endpoint.tls {
            case .none: break
            case .opportunistic:
                set(hromada_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)))
            case .startTLSRequired, .implicit:
                set(hromada_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)))
            }
            if let ca = endpoint.caFile { set(hromada_curl_setopt_string(handle, CURLOPT_CAINFO, ca)) }
            if !endpoint.verifyPeer {
                set(hromada_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
                set(hromada_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
            }
            if let user = endpoint.username { set(hromada_curl_setopt_string(handle, CURLOPT_USERNAME, user)) }
            if let password = endpoint.password {
                set(hromada_curl_setopt_string(handle, CURLOPT_PASSWORD, password))
            }
            guard code == CURLE_OK else { return code }
            return curl_easy_perform(handle)
        }

        if configured == CURLE_OK { return Attempt(outcome: .sent, uploadedBytes: upload.offset, replyLine: nil) }
        var responseCode = 0
        _ = hromada_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        let curlMessage = errorBuffer.withUnsafeBufferPointer { pointer in String(cString: pointer.baseAddress!) }
        let reply = replies.last ?? ""
        let reason = reply.isEmpty ? "curl \(configured.rawValue): \(curlMessage)" : reply
        return Attempt(
            outcome: SMTPTransport.classify(curlCode: Int(configured.rawValue), smtpCode: responseCode, reason: reason),
            uploadedBytes: upload.offset, replyLine: replies.last)
    }
}
