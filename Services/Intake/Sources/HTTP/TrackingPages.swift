import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaQRCode
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// Looking an appeal up with its number and code, for the JSON API, the tracking page and the
/// resident's statement: the number as typed (any case, spaces), the code short or old, wrong
/// codes counted per number and per client (`TrackingLimits`), and the page's proof cookie
/// (`TrackingProof`) that keeps a result without the code in any address.
struct TrackingAccess: Sendable {
    let store: IntakeStore
    let secret: [UInt8]
    let secureCookie: Bool
    var limits: TrackingLimits = .standard

    init(store: IntakeStore, site: WebSite, limits: TrackingLimits = .standard) {
        self.store = store
        self.secret = site.settings.sessionSecret.bytes
        self.secureCookie = site.settings.publicURL.isHTTPS
        self.limits = limits
    }

    /// Whom wrong codes are counted against: a centre's system by its key, anyone else by address.
    static func client(_ request: Request, context: IntakeService.Context) -> String {
        if case .centre(let id)? = context.principal { return "c:" + id }
        return "a:" + ClientAddressResolver.fromProcess.client(request, context: context)
    }

    func check(number: String, code: String, request: Request, context: IntakeService.Context) async throws
        -> TrackingCheck
    {
        try await Self.check(
            store: store, number: number, code: code, request: request, context: context, limits: limits)
    }

    /// The check for callers without pages (the JSON API): wrong codes counted by wall-clock windows.
    static func check(
        store: IntakeStore, number: String, code: String, request: Request, context: IntakeService.Context,
        limits: TrackingLimits = .standard
    ) async throws -> TrackingCheck {
        // No code, or a number that cannot exist: nothing to guess and nothing to look up (the
        // same hash comparison as a wrong code, no database).
        guard (1...200).contains(code.count), RegistrationNumber.typed(number) != nil else {
            _ = TrackingCode.verify("x", hash: IntakeStore.absentHash)
            return .notFound
        }
        return try await store.checkTracking(
            number: number, code: code, client: client(request, context: context), limits: limits, now: Date())
    }

    /// 429 with `Retry-After` for the JSON APIs.
    static func limitedError(until: Date) -> APIError {
        APIError(
            .tooManyRequests,
            errors: [
                FieldError(
                    field: "token", code: "too_many_wrong_codes",
                    message: "too many wrong codes for this number or from this client; retry later",
                    messageUk: "Забагато невірних кодів; спробуйте пізніше")
            ],
            headers: [.retryAfter: String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))])
    }

    // MARK: The proof

    /// The cookie that proves `code` for `number` for `TrackingProof.lifetime`.
    func proofCookie(number: String, code: String) -> Cookie {
        cookie(
            TrackingProof.seal(number: number, code: code, now: Date(), secret: secret),
            maxAge: Int(TrackingProof.lifetime))
    }

    /// The cookie that ends the proof ("Done").
    var clearingCookie: Cookie { cookie("", maxAge: 0) }

    func cookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: TrackingProof.cookieName, value: value, maxAge: maxAge, path: "/track", secure: secureCookie,
            httpOnly: true, sameSite: .strict)
    }

    /// The request's unexpired, well-sealed proof (its code not re-checked yet).
    func proof(_ request: Request) -> TrackingProof? {
        request.cookies[TrackingProof.cookieName].flatMap {
            TrackingProof.open($0.value, now: Date(), secret: secret)
        }
    }

    /// The old links (`?number=…&token=…` or `&code=…`) still work: they prove the code and leave
    /// the address at once (`303` to `path`, the code gone). Nil when the request has no code.
    func oldLink(
        _ request: Request, context: IntakeService.Context, site: WebSite, path: String
    ) async throws -> Response? {
        let query = request.uri.queryParameters
        guard let code = query.get("token") ?? query.get("code") else { return nil }
        return try await lookUp(
            number: query.get("number") ?? "", code: code, request: request, context: context, site: site, path: path)
    }

    /// Checks a number and code from a form or an old link; on success sets the proof and goes to
    /// `path` (clean: no number, no code), else back to `path` with the number and what went wrong.
    func lookUp(
        number: String, code: String, request: Request, context: IntakeService.Context, site: WebSite, path: String
    ) async throws -> Response {
        let language = Language.of(request).rawValue
        switch try await check(number: number, code: code, request: request, context: context) {
        case .verified(let normalised, _):
            return site.redirect(
                path, query: [("lang", language)],
                cookies: [proofCookie(number: normalised, code: code)])
        case .notFound:
            let problem = TrackingCode.hasLookAlike(code) ? "look-alike" : "not-found"
            let shown = RegistrationNumber.typed(number) ?? String(number.prefix(RegistrationNumber.maximumLength))
            return site.redirect(path, query: [("number", shown), ("problem", problem), ("lang", language)])
        case .limited:
            let shown = RegistrationNumber.typed(number) ?? String(number.prefix(RegistrationNumber.maximumLength))
            return site.redirect(path, query: [("number", shown), ("problem", "limited"), ("lang", language)])
        }
    }
}

/// The tracking page (issue 14): `POST /track` (number and code from the form, the session's
/// CSRF token when a librarian is signed in) answers `303` to `GET /track`, which shows the result
/// from the proof cookie — refresh, Back and the language link keep it, and the code is never in
/// an address. "Done" (`POST /track/done`) ends the proof; the next lookup replaces it.
///
/// The page's partials (`{{> track-say}}`, `{{> track-photos}}`) see, at the top of the model:
/// `number` (the proven registration number, or the one typed), `code` and `token` (the proven
/// code, for their hidden fields: the partials' posts check it again), `csrf` (the librarian's
/// session token or nil), `proven` (a result is shown), `say`, `photos` and `view`.
extension WebPages {
    var trackingAccess: TrackingAccess { TrackingAccess(store: store, site: site) }

    /// Intake's own files under `Resources/assets` (served at `/assets/<name>`).
    static let trackingAssets = ["track.js"]

    struct TrackPage: Encodable, Sendable {
        // Names differ from the enclosing `Status`'s: Mustache looks a missing (nil) value up in
        // the enclosing context, so a nil `authorityName` here would show the status's.
        struct Entry: Encodable, Sendable {
            var at, statusName: String
            var who: String?
        }
        struct Answer: Encodable, Sendable {
            var at: String
            var outcomeName: String?
            var answeredBy: String?
            var paragraphs: [String]
        }
        struct Extension: Encodable, Sendable {
            var at: String
            var newDeadline: String?
            var paragraphs: [String]
        }
        struct Status: Encodable, Sendable {
            var registrationNumber, statusName, categoryName, authorityName, deadline: String
            var history: [Entry]
            var answer: Answer?
            var extensionOfTerm: Extension?
        }
        var centreName: String?
        var csrf: String?
        var number: String
        var code: String?
        var token: String?
        var proven = false
        var notFound = false
        var lookAlike = false
        var limited = false
        var view: Status?
        /// The resident's say on the answer (SayPages.swift, `track-say.mustache`).
        var say: SaySection?
        /// The appeal's photos through signed links (PhotoForm.swift, `track-photos.mustache`).
        var photos: TrackPhotos?
        /// `/assets/track.js?v=…`: reads a code from the QR code's fragment.
        var trackScript: String
    }

    func addTrackingRoutes(to router: Router<IntakeService.Context>) {
        let limited = router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.tracking, requestsPerSecond: 2, burst: 20))
        limited.get("/track") { request, context in try await self.trackPage(request, context: context) }
        limited.post("/track") { request, context in try await self.trackLookup(request, context: context) }
        limited.post("/track/done") { request, _ in
            self.site.redirect(
                "/track", query: [("lang", Language.of(request).rawValue)],
                cookies: [self.trackingAccess.clearingCookie])
        }
        limited.get("/track/done") { request, _ in
            self.site.redirect("/track", query: [("lang", Language.of(request).rawValue)])
        }
    }

    struct TrackForm: Decodable, Sendable {
        var csrf, number, token, code: String?
    }

    func trackLookup(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let form = try await site.form(TrackForm.self, request, limit: 16 * 1024)
        return try await trackingAccess.lookUp(
            number: form.number ?? "", code: form.token ?? form.code ?? "", request: request, context: context,
            site: site, path: "/track")
    }

    func trackPage(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let access = trackingAccess
        if let redirect = try await access.oldLink(request, context: context, site: site, path: "/track") {
            return redirect
        }
        let language = Language.of(request)
        let query = request.uri.queryParameters
        let typed = query.get("number").map { RegistrationNumber.typed($0) ?? String($0.prefix(40)) }
        var page = TrackPage(
            centreName: nil, csrf: context.session?.csrf, number: typed ?? "",
            trackScript: site.assets.link("track.js"))
        switch query.get("problem") {
        case "not-found": page.notFound = true
        case "look-alike": (page.notFound, page.lookAlike) = (true, true)
        case "limited": page.limited = true
        default: break
        }
        // A proof shows its appeal, unless the address asks about another number (an email's link).
        if let proof = access.proof(request), typed == nil || typed == proof.number,
            let view = try await store.statusView(number: proof.number, token: proof.code, language: language)
        {
            page.proven = true
            page.number = proof.number
            page.code = TrackingCode.parse(proof.code).map(TrackingCode.grouped) ?? proof.code
            page.token = page.code
            page.view = trackStatus(view, language: language)
            page.say = try await saySection(
                number: proof.number, token: proof.code, csrf: page.csrf, language: language)
            page.photos = try await trackPhotos(number: proof.number)
        }
        let status: HTTPResponse.Status = page.notFound ? .notFound : page.limited ? .tooManyRequests : .ok
        return site.page("track", page, request: request, status: status)
    }

    func trackStatus(_ view: AppealStatusView, language: Language) -> TrackPage.Status {
        // The kit's words for the states (`status_not_considered`): one vocabulary on every page.
        func statusName(_ status: String) -> String {
            strings.string("status_" + status.replacingOccurrences(of: "-", with: "_"), language)
        }
        func paragraphs(_ text: String) -> [String] {
            text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return TrackPage.Status(
            registrationNumber: view.registrationNumber, statusName: statusName(view.status),
            categoryName: view.categoryName, authorityName: view.authorityName ?? "—",
            deadline: view.deadline.map { PeopleDates.day($0, language) } ?? "—",
            history: view.history.map {
                TrackPage.Entry(
                    at: PeopleDates.minute($0.at, language), statusName: statusName($0.status),
                    who: $0.authorityName.flatMap { $0.isEmpty ? nil : $0 })
            },
            answer: view.answer.map {
                TrackPage.Answer(
                    at: PeopleDates.minute($0.answeredAt, language), outcomeName: $0.outcomeName,
                    answeredBy: $0.authorityName, paragraphs: paragraphs($0.text))
            },
            extensionOfTerm: view.extension_.map {
                TrackPage.Extension(
                    at: PeopleDates.minute($0.extendedAt, language),
                    newDeadline: $0.deadline.map { PeopleDates.day($0, language) }, paragraphs: paragraphs($0.reason))
            })
    }
}

extension WebPages {
    /// What the receipt's QR code holds: the tracking page of the configured public address with
    /// the number, and the code only in the fragment (`#code=…`): a browser never sends a fragment
    /// to any server; the page's script (`track.js`) posts it and takes it out of the address.
    func receiptQRLink(number: String, code: String) -> String {
        site.link("/track", query: [("number", number)]) + "#code=" + (TrackingCode.parse(code) ?? code)
    }

    /// The receipt's QR code as inline SVG, nil if it cannot be drawn (the receipt still prints).
    func receiptQR(_ receipt: RegistrationReceipt, language: Language) -> String? {
        let link = receiptQRLink(number: receipt.registrationNumber, code: receipt.trackingToken)
        return try? QRCode(link).svg(size: "36mm", title: strings.string("receiptQR", language))
    }
}
