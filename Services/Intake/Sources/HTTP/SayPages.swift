import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The resident's say on an answer (issue 15): rating it (1–5) and disputing it (Art. 16–17).
///
/// - On the tracking page (`track-say.mustache`, included by `track.mustache`): `POST /track/rating`
///   and `POST /track/dispute` carry the number and the code in hidden fields (never the address),
///   check them again through the tracking page's own check (`TrackingAccess.check`: wrong codes
///   counted and limited as for the lookup), record the say and answer `303` to `GET /track/said`
///   (post/redirect/get; no code in that address), whose link leads back to the tracking page.
/// - At a centre (`GET /form/say`, signed-in librarian): the same with the number and the code the
///   resident brings, recorded `via: centre` with the librarian's account as `registeredBy`.
///
/// Form posts are origin-checked by the kit's `CSRFMiddleware` (and token-checked with a session).
/// A repeat (double click, refresh, Back) never records twice: one rating and one dispute per
/// answer (`SayOnTheAnswer`), a repeat of the same say lands on the same result page.
extension WebPages {
    static let sayTemplates = ["track-say", "say-librarian", "say-result"]

    func addSayRoutes(to router: Router<IntakeService.Context>) {
        let limited = router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.tracking, requestsPerSecond: 2, burst: 20))
        limited.post("/track/rating") { request, context in try await self.residentSay(.rating, request, context) }
        limited.post("/track/dispute") { request, context in try await self.residentSay(.dispute, request, context) }
        limited.get("/track/said") { request, _ in self.said(request) }
        // An address a post was sent to, opened again (language link, refresh): the tracking page.
        for path in ["/track/rating", "/track/dispute"] {
            limited.get(RouterPath(stringLiteral: path)) { request, _ in
                self.site.redirect("/track", query: [("lang", Language.of(request).rawValue)])
            }
        }
        router.get("/form/say") { request, context in try await self.librarianSay(request, context) }
        router.post("/form/say/rating") { request, context in try await self.librarianRecord(.rating, request, context)
        }
        router.post("/form/say/dispute") { request, context in
            try await self.librarianRecord(.dispute, request, context)
        }
    }

    enum SayKind: String, Sendable { case rating, dispute }

    /// The posted fields of both forms (the tracking page's and the librarian's).
    struct SayForm: Decodable, Sendable {
        var csrf, number, token, rating, reason, learnedOn: String?
    }

    // MARK: View models

    struct RatingOption: Encodable, Sendable {
        var value: Int
        var checked: Bool
    }

    /// The tracking page's section (`track-say.mustache`); nil when there is no answer to speak of.
    struct SaySection: Encodable, Sendable {
        var number, token: String
        var csrf: String?
        var authorityName: String
        var canRate: Bool
        var rated: Int?
        var ratings: [RatingOption]
        var canDispute: Bool
        var disputeUntil: String?
        var disputeClosedUntil: String?
        var disputePending = false
        var disputeAcceptedTo: String?
        var disputeRefused: String?
        var reason: String?
        var learnedOn: String?
        var error: String?
    }

    struct SayResultView: Encodable, Sendable {
        var message: String
        var backLink: String
        var error: Bool
    }

    struct SayLibrarianView: Encodable, Sendable {
        var csrf: String
        var centreName: String?
        var librarian: String?
        /// The header's links (TodayPages.swift).
        var nav: LibrarianNav?
        var done: String?
        var error: String?
        var number, token, reason, learnedOn: String?
        var ratings: [RatingOption]
    }

    // MARK: The tracking page

    /// The section for `number` whose code `token` was checked by the caller.
    func saySection(number: String, token: String, csrf: String? = nil, language: Language) async throws
        -> SaySection?
    {
        let state = try await store.sayState(number: RegistrationNumber.normalised(number))
        // Nothing to say yet (no answer), or nothing to show while the appeal is considered again.
        guard let answer = state.answer, state.open || state.rating != nil || state.dispute != nil else {
            return nil
        }
        let today = LocalDate(date: intake.settings.clock(), in: .kyiv)
        var section = SaySection(
            number: answer.registrationNumber, token: token, csrf: csrf,
            authorityName: ReferenceNames.authority(answer.authority, in: language) ?? answer.authority,
            canRate: state.open && state.rating == nil, rated: state.rating,
            ratings: AppealAnswerRated.ratings.map { RatingOption(value: $0, checked: false) },
            canDispute: false)
        if let dispute = state.dispute {
            switch dispute.outcome {
            case "accepted":
                section.disputeAcceptedTo =
                    dispute.complaintTo.flatMap { ReferenceNames.authority($0, in: language) } ?? dispute.complaintTo
            case "refused":
                section.disputeRefused = strings.string("sayRefusal_\(dispute.refusalCode ?? "")", language)
            default:
                section.disputePending = true
            }
            return section
        }
        guard state.open else { return section }
        switch DisputeWindow.check(answeredOn: answer.answeredOn, learnedOn: nil, today: today) {
        case .inTime(let lastDay):
            section.canDispute = true
            section.disputeUntil = PeopleDates.day(lastDay, language)
        case .late(let lastDay):
            // A resident who received the answer later may still be in time: they name the day.
            section.canDispute = true
            section.disputeClosedUntil = PeopleDates.day(lastDay, language)
        case .learnedOnInvalid:
            break
        }
        return section
    }

    func residentSay(_ kind: SayKind, _ request: Request, _ context: IntakeService.Context) async throws -> Response {
        let language = Language.of(request)
        let form = try await site.form(SayForm.self, request, limit: intake.settings.maxBodyBytes)
        return try await say(
            kind, form: form, via: .resident, registeredBy: nil, language: language, request: request,
            context: context,
            refused: { sayResult($0, error: true, request: request, status: $1) },
            done: { site.redirect("/track/said", query: [("what", $0), ("lang", language.rawValue)]) })
    }

    /// A say from either door: the code checked, then the say recorded. `refused` shows a refusal
    /// (its message and status); `done` leads on after a say recorded ("rated", "disputed") or
    /// recorded before ("again").
    func say(
        _ kind: SayKind, form: SayForm, via: ResidentVia, registeredBy: String?, language: Language,
        request: Request, context: IntakeService.Context,
        refused: (String, HTTPResponse.Status) -> Response, done: (String) -> Response
    ) async throws -> Response {
        let number: String
        switch try await checkCode(form, request: request, context: context) {
        case .verified(let normalised, _):
            number = normalised
        case .notFound:
            return refused(strings.string("notFound", language), .notFound)
        case .limited:
            return refused(strings.string("trackLimited", language), .tooManyRequests)
        }
        switch try await record(kind, form: form, number: number, via: via, registeredBy: registeredBy) {
        case .success(let said):
            return done(said == .alreadyRecorded ? "again" : (kind == .rating ? "rated" : "disputed"))
        case .failure(let refusal):
            return refused(language == .uk ? refusal.messageUk : refusal.message, .unprocessableContent)
        }
    }

    /// The number and code posted back (hidden fields), checked as the tracking page checks them.
    func checkCode(_ form: SayForm, request: Request, context: IntakeService.Context) async throws -> TrackingCheck {
        let code = form.token ?? ""
        guard !code.isEmpty else { return .notFound }
        return try await trackingAccess.check(number: form.number ?? "", code: code, request: request, context: context)
    }

    /// `GET /track/said`: what the say did, with the way back to the status page (the tracking
    /// page's proof shows the appeal again, the say recorded).
    func said(_ request: Request) -> Response {
        let language = Language.of(request)
        let what = request.uri.queryParameters.get("what") ?? ""
        let known = ["rated", "disputed", "again"].contains(what)
        return sayResult(
            known ? strings.string("sayDone_\(what)", language) : strings.string("sayBack", language),
            error: false, request: request)
    }

    func sayResult(_ message: String, error: Bool, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        let language = Language.of(request)
        let back = site.link("/track", query: [("lang", language.rawValue)]) + "#say"
        return site.page(
            "say-result", SayResultView(message: message, backLink: back, error: error), request: request,
            status: status)
    }

    /// Checks and records one say for `number` (its code already checked).
    func record(
        _ kind: SayKind, form: SayForm, number: String, via: ResidentVia, registeredBy: String?
    ) async throws -> Result<SayOutcome, SayOnTheAnswer.Refusal> {
        let normalised = RegistrationNumber.normalised(number)
        let now = intake.settings.clock()
        switch kind {
        case .rating:
            let value: Int
            do throws(SayOnTheAnswer.Refusal) { value = try SayOnTheAnswer.rating(form.rating) } catch {
                return .failure(error)
            }
            return try await store.rate(
                number: normalised, rating: value, via: via, registeredBy: registeredBy, now: now)
        case .dispute:
            return try await store.dispute(
                number: normalised, reason: form.reason, learnedOn: form.learnedOn, via: via,
                registeredBy: registeredBy, now: now)
        }
    }

    // MARK: At the centre

    func librarianSay(_ request: Request, _ context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else {
            return signIn.page(request, context: context)
        }
        let language = Language.of(request)
        let done = request.uri.queryParameters.get("done").flatMap {
            ["rated", "disputed", "again"].contains($0) ? strings.string("sayDone_\($0)", language) : nil
        }
        return site.page("say-librarian", librarianView(who, language: language, done: done), request: request)
    }

    func librarianView(
        _ who: SignedIn, language: Language, done: String? = nil, error: String? = nil, form: SayForm? = nil
    ) -> SayLibrarianView {
        SayLibrarianView(
            csrf: who.session.csrf, centreName: who.centre.name, librarian: who.librarian.login,
            nav: nav(who, language: language), done: done,
            error: error, number: form?.number, token: nil, reason: form?.reason, learnedOn: form?.learnedOn,
            ratings: AppealAnswerRated.ratings.map { RatingOption(value: $0, checked: "\($0)" == form?.rating) })
    }

    func librarianRecord(_ kind: SayKind, _ request: Request, _ context: IntakeService.Context) async throws
        -> Response
    {
        let language = Language.of(request)
        guard let who = try await signedIn(context) else { return signInFirst(request, context) }
        let form = try await site.form(SayForm.self, request, limit: intake.settings.maxBodyBytes)
        return try await say(
            kind, form: form, via: .centre, registeredBy: who.librarian.id.uuidString.lowercased(), language: language,
            request: request, context: context,
            refused: { message, status in
                site.page(
                    "say-librarian", librarianView(who, language: language, error: message, form: form),
                    request: request, status: status)
            },
            done: { site.redirect("/form/say", query: [("done", $0), ("lang", language.rawValue)]) })
    }
}
