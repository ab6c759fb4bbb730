import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCore
import HromadaWeb
import Hummingbird
import Logging

/// The console's erasure page (`GET /erasures[?state=waiting]`, operators signed in): which
/// appeals are erased in every service and which still wait for a service's confirmation, from
/// intake's `/v1/admin/erasures` (docs/RETENTION.md). Erasing is an administrator's decision with
/// a legal reason, made with `hromadactl erase`; the page only shows progress.
struct ConsoleErasures: Sendable {
    static let templateNames = ["erasures"]

    let site: WebSite
    let admin: AdminClient
    let logger: Logger
    let templates: TemplateLibrary

    /// Adds the routes; errors are logged and the console runs without the page.
    static func install(on router: Router<WebRequestContext>, console: Console) {
        console.installOptional("the erasure page") {
            let templates = try TemplateLibrary(bundle: Bundle.module, names: templateNames)
            ConsoleErasures(
                site: console.site, admin: AdminClient(endpoints: console.settings.endpoints), logger: console.logger,
                templates: templates
            ).add(to: router)
        }
    }

    func add(to router: Router<WebRequestContext>) {
        router.get("/erasures") { request, context in
            guard context.principal == .operator else { return site.redirect("/login") }
            let language = Language.of(request)
            let waitingOnly = request.uri.queryParameters.get("state") == "waiting"
            var list: ErasureJSON.List?
            var failure: String?
            do {
                list = try await admin.erasures(state: waitingOnly ? "waiting" : nil, limit: 500)
            } catch {
                logger.warning("erasures unavailable", metadata: ["error": "\(error.redactedDescription)"])
                failure = "\(ErasurePageView.text(language).unavailable): \(error)"
            }
            let view = ErasurePageView(list: list, waitingOnly: waitingOnly, error: failure, language: language)
            let html = templates.render(view, template: "erasures", language: language, catalogue: site.catalogue)
            return HTMLResponse.page(html, status: failure == nil ? .ok : .badGateway)
        }
    }
}

/// What `erasures.mustache` shows, its words in the page's language.
struct ErasurePageView: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        let number: String
        let erasedAt: String
        let trigger: String
        let state: String
        let complete: Bool
        let confirmed: String
        let waiting: String
    }

    let title, back, all, onlyWaiting, how, summary: String
    let hNumber, hErasedAt, hTrigger, hState, hConfirmed, hWaiting: String
    let stateQuery: String
    let error: String?
    let allComplete: Bool
    let rows: [Row]

    init(list: ErasureJSON.List?, waitingOnly: Bool, error: String?, language: Language) {
        let t = Self.text(language)
        title = t.title
        back = t.back
        all = t.all
        onlyWaiting = t.onlyWaiting
        how = t.how
        hNumber = t.hNumber
        hErasedAt = t.hErasedAt
        hTrigger = t.hTrigger
        hState = t.hState
        hConfirmed = t.hConfirmed
        hWaiting = t.hWaiting
        stateQuery = waitingOnly ? "&state=waiting" : ""
        self.error = error
        let complete = list?.complete ?? 0
        let waiting = list?.waiting ?? 0
        allComplete = waiting == 0
        summary = "\(complete) \(t.fullyErased), \(waiting) \(t.stillWaiting)"
        rows = (list?.erasures ?? []).map { e in
            Row(
                number: e.registrationNumber, erasedAt: PeopleDates.minute(e.erasedAt, language),
                trigger: e.trigger == ErasureTrigger.retention.rawValue ? t.retention : t.administrator,
                state: e.complete ? t.erasedEverywhere : t.waitingState, complete: e.complete,
                confirmed: Self.services(e.confirmed), waiting: e.waiting.isEmpty ? "—" : Self.services(e.waiting))
        }
    }

    /// `hromada-routing, hromada-audit` → `routing, audit`.
    static func services(_ names: [String]) -> String {
        names.map { $0.hasPrefix("hromada-") ? String($0.dropFirst("hromada-".count)) : $0 }.joined(separator: ", ")
    }

    /// The page's words in one language (`Resources/erasure-strings/<lang>.json`): `t.title` reads
    /// the key `title`, and a missing key shows as itself.
    @dynamicMemberLookup
    struct Text {
        let strings: [String: String]
        subscript(dynamicMember key: String) -> String { strings[key] ?? key }
    }

    static func text(_ language: Language) -> Text { Text(strings: PageStrings.erasures.of(language)) }
}
