import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest

@testable import Intake

/// Issue 14's tracking, in memory: numbers as people type them, short codes without look-alikes
/// (typed in any case, with or without the dash), old tokens still accepted, the page's proof, and
/// the projection's resident-only text with unknown event types ignored.
final class TrackingCodeTests: XCTestCase {
    // MARK: Registration numbers as typed

    func testNumbersAreAcceptedInAnyCaseAndSpacing() {
        let stored = "MK-2026-000123"
        for typed in [
            "MK-2026-000123", "mk-2026-000123", "  MK-2026-000123  ", "mk 2026 000123", "Mk - 2026 - 000123",
            "MK2026000123", "mk2026 000123", "МК-2026-000123", "мк-2026-000123", "MK–2026–000123",
            "\tMK-2026-000123\n",
        ] {
            XCTAssertEqual(RegistrationNumber.typed(typed), stored, "«\(typed)»")
        }
        XCTAssertEqual(RegistrationNumber.typed("mk-2026-1234567"), "MK-2026-1234567", "numbers never run out")
        for garbage in [
            "", "   ", "MK-26-000123", "XX-2026-000123", "MK-2026-12", "MK-2026-00012a", "MK-2026-000123-1",
            String(repeating: "9", count: 500),
        ] {
            XCTAssertNil(RegistrationNumber.typed(garbage), "«\(garbage)»")
        }
    }

    // MARK: Short codes

    func testNewCodesAreShortGroupedAndFromTheAlphabetWithoutLookAlikes() {
        var seen = Set<String>()
        var characters = Set<Character>()
        for _ in 0..<2000 {
            let code = TrackingCode.generate()
            XCTAssertEqual(code.count, 11, code)
            XCTAssertEqual(Array(code)[5], "-", code)
            let canonical = code.replacingOccurrences(of: "-", with: "")
            XCTAssertTrue(canonical.allSatisfy { TrackingCode.alphabet.contains($0) }, code)
            XCTAssertFalse(canonical.contains { "01OIL_".contains($0) }, code)
            XCTAssertEqual(TrackingCode.parse(code), canonical)
            seen.insert(code)
            characters.formUnion(canonical)
        }
        XCTAssertEqual(seen.count, 2000, "no repeats among 2,000 codes of 49.5 bits")
        XCTAssertEqual(characters, Set(TrackingCode.alphabet), "every character of the alphabet is used")
        XCTAssertEqual(TrackingCode.alphabet.count, 31)
    }

    func testCodesAreTypedInAnyCaseWithOrWithoutTheDashOrSpaces() {
        let code = "K7QFM-29XMH"
        let hash = TrackingCode.hash(code)
        for typed in [
            "K7QFM-29XMH", "k7qfm-29xmh", "K7QFM29XMH", "k7qfm29xmh", " k7qfm 29xmh ", "K7Q FM2 9XM H", "K7QFM–29XMH",
        ] {
            XCTAssertEqual(TrackingCode.parse(typed), "K7QFM29XMH", typed)
            XCTAssertTrue(TrackingCode.verify(typed, hash: hash), typed)
        }
        XCTAssertFalse(TrackingCode.verify("K7QFM-29XMJ", hash: hash))
        XCTAssertFalse(TrackingCode.verify("", hash: hash))
    }

    func testLookAlikesAreRejectedAndNamed() {
        for typed in ["K7QFM-29XM0", "O7QFM-29XMH", "K7QFM-2IXMH", "K7QFM-29XML", "K1QFM-29XMH", "K7QF_-29XMH"] {
            XCTAssertNil(TrackingCode.parse(typed), typed)
        }
        XCTAssertTrue(TrackingCode.hasLookAlike("k7qfm-29xm0"))
        XCTAssertTrue(TrackingCode.hasLookAlike("O7QFM29XMH"))
        XCTAssertFalse(TrackingCode.hasLookAlike("K7QFM-29XMH"))
        XCTAssertFalse(
            TrackingCode.hasLookAlike("a-32-character-old-token-0OIl1__"), "an old token is not a short code")
    }

    /// Codes issued before short codes (32 characters of base64url, case-sensitive, with `-` and
    /// `_`) keep working as they are stored: SHA-256 of the token.
    func testOldTokensStillVerify() {
        let old = SecureRandom.token()
        XCTAssertEqual(old.count, 32)
        let stored = TokenHash.hash(token: old)
        XCTAssertTrue(TrackingCode.verify(old, hash: stored))
        XCTAssertTrue(TrackingCode.verify("  \(old) ", hash: stored), "surrounding spaces are ignored")
        XCTAssertFalse(TrackingCode.verify(old.lowercased() == old ? old.uppercased() : old.lowercased(), hash: stored))
        let withDashes = "ab-cd_EF-gh_ij-kl_MN-op_qr-st_uv"
        XCTAssertTrue(TrackingCode.verify(withDashes, hash: TokenHash.hash(token: withDashes)), "dashes are kept")
    }

    // MARK: The page's proof

    func testTheProofSealsTheCodeAndExpires() throws {
        let secret = SecureRandom.bytes(32)
        let now = Date()
        let value = TrackingProof.seal(number: "MK-2026-000123", code: "k7qfm 29xmh", now: now, secret: secret)
        XCTAssertFalse(value.contains("K7QFM"), "the code is sealed, not readable in the cookie")
        let proof = try XCTUnwrap(TrackingProof.open(value, now: now, secret: secret))
        XCTAssertEqual(proof.number, "MK-2026-000123")
        XCTAssertEqual(proof.code, "K7QFM-29XMH")
        XCTAssertNil(TrackingProof.open(value, now: now.addingTimeInterval(TrackingProof.lifetime + 1), secret: secret))
        XCTAssertNil(TrackingProof.open(value, now: now, secret: SecureRandom.bytes(32)), "another secret")
        var tampered = Array(value)
        tampered[tampered.count / 2] = tampered[tampered.count / 2] == "A" ? "B" : "A"
        XCTAssertNil(TrackingProof.open(String(tampered), now: now, secret: secret))
        XCTAssertNil(TrackingProof.open("", now: now, secret: secret))
    }

    func testLimitsAreTheDocumentedOnes() {
        XCTAssertEqual(TrackingLimits.standard.failuresPerNumber, 10)
        XCTAssertEqual(TrackingLimits.standard.failuresPerClient, 30)
        XCTAssertEqual(TrackingLimits.standard.window, 3600)
        // The brute-force estimate the docs give: ≈ 1.3 × 10^-4 codes a year across 1.2 million
        // numbers guessed at the per-number limit.
        let codes = pow(31.0, Double(TrackingCode.length))
        let guessesPerYear = 1_200_000 * Double(TrackingLimits.standard.failuresPerNumber) * 24 * 365
        XCTAssertLessThan(guessesPerYear / codes, 2e-4)
    }

    // MARK: The projection's resident-only text

    let ticket = UUID()
    let appeal = UUID()
    let at = Date(timeIntervalSince1970: 1_790_000_000)

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appeal, causationId: nil, producer: "hromada-routing")
    }

    func testTheAnswerAndTheExtensionReasonAreKeptApartFromThePublicFacts() throws {
        let answered = try envelope(
            TicketAnswered(
                ticketId: ticket, appealId: appeal, registrationNumber: "MK-2026-000042", authority: "zhkg",
                officialId: "o", outcome: .refused,
                answerText: "Відмовлено: ремонт у плані на 2027 рік.",
                answeredAt: at))
        XCTAssertEqual(
            try TrackingUpdate.residentText(
                answered), "Відмовлено: ремонт у плані на 2027 рік.")
        XCTAssertFalse("\(try XCTUnwrap(TrackingUpdate.from(answered)))".contains("ремонт"))
        let extended = try envelope(
            TicketExtended(
                ticketId: ticket, appealId: appeal, registrationNumber: "MK-2026-000042", authority: "zhkg",
                officialId: "o", reason: "Потрібна перевірка на місці.",
                previousDeadline: LocalDate(string: "2026-10-01")!, newDeadline: LocalDate(string: "2026-10-31")!,
                extendedAt: at))
        XCTAssertEqual(
            try TrackingUpdate.residentText(extended), "Потрібна перевірка на місці.")
        let accepted = try envelope(
            TicketAccepted(
                ticketId: ticket, appealId: appeal, registrationNumber: "MK-2026-000042", authority: "zhkg",
                officialId: "o", acceptedAt: at))
        XCTAssertNil(try TrackingUpdate.residentText(accepted))
        XCTAssertEqual(ReferenceNames.outcome("refused", in: .uk), "Відмовлено")
        XCTAssertEqual(ReferenceNames.outcome("resolved-positively", in: .en), "Resolved positively")
        XCTAssertNil(ReferenceNames.outcome("no-such-outcome", in: .en))
    }

    /// Other work this session adds `ticket.*` and `appeal.*` events (notes, assignment to a
    /// colleague, groups): the projection ignores what it does not know, it never dead-letters it.
    func testUnknownTicketAndAppealEventsAreIgnored() throws {
        let base = try envelope(
            TicketAccepted(
                ticketId: ticket, appealId: appeal, registrationNumber: "MK-2026-000042", authority: "zhkg",
                officialId: "o", acceptedAt: at))
        for type in [
            "ticket.note-added", "ticket.delegated", "ticket.grouped", "ticket.group-answered",
            "appeal.photo-added", "appeal.answer-rated", "appeal.something-new",
        ] {
            var unknown = base
            unknown.type = type
            unknown.payload = .object(["ticketId": .string("x"), "note": .string("private"), "weird": .int(7)])
            XCTAssertNil(try TrackingUpdate.from(unknown), type)
            XCTAssertNil(try TrackingUpdate.residentText(unknown), type)
        }
    }
}
