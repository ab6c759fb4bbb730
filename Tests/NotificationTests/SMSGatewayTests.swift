import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Notification

/// The gateway's side in memory: `HROMADA_SMS_URL` parsing (the password never shown), the
/// `sendsms` request, how replies are classified, the signed report links, and fakesmsc's log.
final class SMSGatewayTests: XCTestCase {
    func testTheURLGivesUserAndPasswordEitherWayAndNeverShowsThePassword() throws {
        let info = try SMSGatewayEndpoint(url: "http://hromada:s3cr%40t@127.0.0.1:13013/cgi-bin/sendsms")
        XCTAssertEqual(info.url, "http://127.0.0.1:13013/cgi-bin/sendsms")
        XCTAssertEqual(info.username, "hromada")
        XCTAssertEqual(info.password, "s3cr@t")
        XCTAssertFalse("\(info)".contains("s3cr"))
        let query = try SMSGatewayEndpoint(url: "https://gw.example/cgi-bin/sendsms?username=u&password=p&from=Hromada")
        XCTAssertEqual(query.url, "https://gw.example:443/cgi-bin/sendsms")
        XCTAssertEqual(query.username, "u")
        XCTAssertEqual(query.password, "p")
        XCTAssertEqual(query.parameters.map(\.0), ["from"])
        XCTAssertThrowsError(try SMSGatewayEndpoint(url: "http://127.0.0.1:13013/cgi-bin/sendsms"))
        XCTAssertThrowsError(try SMSGatewayEndpoint(url: "smtp://u:p@127.0.0.1"))
    }

    func testSettingsReadTheURLAndRefuseABadOneNamingTheVariable() throws {
        XCTAssertNil(try NotificationSettings.fromEnvironment([:]).smsURL)
        let on = try NotificationSettings.fromEnvironment([
            "HROMADA_SMS_URL": "http://u:p@127.0.0.1:13013/cgi-bin/sendsms"
        ])
        XCTAssertEqual(on.smsURL, "http://u:p@127.0.0.1:13013/cgi-bin/sendsms")
        XCTAssertThrowsError(try NotificationSettings.fromEnvironment(["HROMADA_SMS_URL": "http://127.0.0.1:13013/"])) {
            error in
            XCTAssertTrue("\(error)".contains("HROMADA_SMS_URL"), "\(error)")
        }
    }

    func claimed(id: UUID = UUID(), phone: String = "+380501112233", text: String) -> ClaimedDelivery {
        ClaimedDelivery(
            subject: Delivery.Subject(
                notificationId: id, sourceEventId: UUID(), sourceEventType: "appeal.registered", appealId: UUID(),
                registrationNumber: "MK-2026-000001", channel: .sms, recipientKind: .resident),
            correlationId: UUID(), address: phone, title: "t", body: text, createdAt: Date(),
            delivery: Delivery(state: .pending(nextAttemptAt: Date())))
    }

    func testTheRequestAsksForUCS2AndSignedReports() throws {
        let gateway = "http://hromada:pw@127.0.0.1:13013/cgi-bin/sendsms?smsc=fake"
        let links = SMSReportLinks(gatewayURL: gateway, base: "http://127.0.0.1:8082/v1/sms/delivery-report")
        let transport = KannelSMSTransport(endpoint: try SMSGatewayEndpoint(url: gateway), reports: links)
        let id = UUID()
        let url = transport.requestURL(for: claimed(id: id, text: "Пʼять «слів» + 100%"))
        let items = try XCTUnwrap(URLComponents(string: url)?.queryItems)
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:13013/cgi-bin/sendsms?"))
        XCTAssertEqual(value("username"), "hromada")
        XCTAssertEqual(value("password"), "pw")
        XCTAssertEqual(value("to"), "+380501112233")
        XCTAssertTrue(url.contains("to=%2B380501112233"), "a literal + would arrive as a space")
        XCTAssertEqual(value("text"), "Пʼять «слів» + 100%")
        XCTAssertEqual(value("coding"), "2")
        XCTAssertEqual(value("charset"), "UTF-8")
        XCTAssertEqual(value("dlr-mask"), "27")
        XCTAssertEqual(value("smsc"), "fake")
        let report = try XCTUnwrap(value("dlr-url"))
        XCTAssertEqual(report, links.url(for: id))
        XCTAssertTrue(report.contains("s=%d"))
    }

    func testRepliesAreClassifiedLikeSMTPs() {
        func response(_ status: Int, _ body: String = "", curl: Int = 0) -> CurlHTTP.Response {
            CurlHTTP.Response(status: status, body: body, curlCode: curl, error: curl == 0 ? "" : "Connection refused")
        }
        XCTAssertEqual(KannelSMSTransport.classify(response(202, "0: Accepted for delivery")), .sent)
        XCTAssertEqual(KannelSMSTransport.classify(response(202, "3: Queued for later delivery")), .sent)
        guard case .temporary = KannelSMSTransport.classify(response(0, curl: 7)) else { return XCTFail("refused") }
        guard case .temporary = KannelSMSTransport.classify(response(503, "Sendsms queue full")) else {
            return XCTFail("503")
        }
        guard case .permanent(let why) = KannelSMSTransport.classify(response(403, "Authorization failed for sendsms"))
        else { return XCTFail("403") }
        XCTAssertTrue(why.contains("403"))
        guard case .permanent = KannelSMSTransport.classify(response(400, "Missing receiver number")) else {
            return XCTFail("400")
        }
    }

    func testReportLinksAreSignedPerDeliveryAndGateway() {
        let links = SMSReportLinks(gatewayURL: "http://u:p@127.0.0.1:13013/cgi-bin/sendsms", base: "http://x/r")
        let id = UUID()
        let other = UUID()
        let signature = links.signature(for: id)
        XCTAssertEqual(signature.count, 22)
        XCTAssertTrue(links.isValid(signature, for: id))
        XCTAssertFalse(links.isValid(signature, for: other))
        XCTAssertFalse(links.isValid("", for: id))
        let tampered = String(signature.dropLast()) + (signature.hasSuffix("A") ? "B" : "A")
        XCTAssertFalse(links.isValid(tampered, for: id))
        // Another password signs differently: a report cannot be made up without it.
        let otherGateway = SMSReportLinks(gatewayURL: "http://u:q@127.0.0.1:13013/cgi-bin/sendsms", base: "http://x/r")
        XCTAssertFalse(otherGateway.isValid(signature, for: id))
        XCTAssertEqual(links.url(for: id), "http://x/r?d=\(id.uuidString.lowercased())&s=%d&sig=\(signature)")
    }

    func testReportTypes() {
        XCTAssertEqual(SMSReport(kannelType: 1), .delivered)
        XCTAssertEqual(SMSReport(kannelType: 2), .undelivered)
        XCTAssertEqual(SMSReport(kannelType: 16), .undelivered)
        XCTAssertEqual(SMSReport(kannelType: 8), .smsc)
        XCTAssertEqual(SMSReport(kannelType: 4), .buffered)
        XCTAssertNil(SMSReport(kannelType: 3))
        XCTAssertTrue(SMSReport.delivered.isFinal && SMSReport.undelivered.isFinal)
        XCTAssertFalse(SMSReport.smsc.isFinal)
    }

    func testFakesmscLogIsReadWithConcatenatedPartsJoined() {
        let log = """
            2026-11-30 15:02:58 [1] [0] DEBUG: Got message 1: \
            <Hromada +380501112233 udh %05%00%03%07%02%01 data %04%1F%02%BC>
            2026-11-30 15:02:58 [1] [0] DEBUG: Got message 2: <Hromada +380501112233 ucs-2 %00%AB%00a%00%BB>
            2026-11-30 15:02:58 [1] [0] DEBUG: Got message 3: \
            <Hromada +380501112233 udh %05%00%03%07%02%02 data %04O%00+%00%2B>
            """
        let messages = TestSMSGateway.parse(fakesmscLog: log)
        XCTAssertEqual(messages.map(\.text), ["«a»", "Пʼя +"])
        XCTAssertEqual(messages.map(\.parts), [1, 2])
        XCTAssertEqual(messages.first?.to, "+380501112233")
    }
}
