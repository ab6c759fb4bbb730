import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaWeb
import Hummingbird
import NIOCore

/// Open311 GeoReport v2 under `/open311/v2/` (what is served and how it maps: README, "Filing through Open311").
/// Services are the categories; a request is an appeal (service_request_id = registration
/// number). Public output never carries the author's name, address, email or phone. Lists hold only
/// published appeals (filed through Open311, or their author asked to publish, and not confidential),
/// with their description; any other appeal, looked up by number, shows its number, status, service,
/// agency and dates only. Requests are registered synchronously;
/// `token` in the POST response equals the service_request_id, so `tokens/{token}` resolves at once.
struct Open311API: Sendable {
    let intake: AppealIntake
    static let jurisdiction = "mykolaiv.ua"
    static let maxRangeDays = 90

    enum Format: String, Sendable { case json, xml }

    struct Failure: HTTPResponseError {
        let status: HTTPResponse.Status
        let message: String
        let format: Format
        func response(from request: Request, context: some RequestContext) throws -> Response {
            Open311API.errorResponse(status: status, message: message, format: format)
        }
    }

    static func errorResponse(status: HTTPResponse.Status, message: String, format: Format) -> Response {
        switch format {
        case .json:
            let body =
                (try? JSONSerialization.data(withJSONObject: [["code": Int(status.code), "description": message]]))
                ?? Data("[]".utf8)
            return Response(
                status: status, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        case .xml:
            let xml = XML.document(
                XML.node(
                    "errors",
                    XML.node("error", XML.element("code", "\(status.code)") + XML.element("description", message))))
            return Response(
                status: status, headers: [.contentType: "text/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: xml)))
        }
    }

    /// Query parameters (percent-decoded) by name, the first of a repeated name winning.
    static func fields(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where result[String(key)] == nil {
            result[String(key)] = String(value)
        }
        return result
    }

    /// Splits "requests.json" into ("requests", .json).
    static func split(_ file: String) -> (String, Format)? {
        if file.hasSuffix(".json") { return (String(file.dropLast(5)), .json) }
        if file.hasSuffix(".xml") { return (String(file.dropLast(4)), .xml) }
        return nil
    }

    func addRoutes(to router: Router<IntakeService.Context>) {
        let group = router.group("open311/v2").add(
            middleware: RateLimitMiddleware<IntakeService.Context>(requestsPerSecond: 50, burst: 100))
        group.get("{file}") { request, context in
            try await self.guarded(request, file: context.parameters.get("file") ?? "") { name, format, query in
                switch name {
                case "services": return try await self.services(format: format, locale: query["locale"])
                case "requests": return try await self.listRequests(query: query, format: format)
                case "servicerequestupdates": return try await self.listUpdates(query: query, format: format)
                default: throw Failure(status: .notFound, message: "unknown resource", format: format)
                }
            }
        }
        group.post("{file}") { request, context in
            try await self.guarded(request, file: context.parameters.get("file") ?? "") { name, format, _ in
                guard name == "requests" else {
                    throw Failure(status: .notFound, message: "unknown resource", format: format)
                }
                return try await self.postRequest(request, context: context, format: format)
            }
        }
        group.get("services/{file}") { request, context in
            try await self.guarded(request, file: context.parameters.get("file") ?? "") { code, format, _ in
                try await self.serviceDefinition(code: code, format: format)
            }
        }
        group.get("requests/{file}") { request, context in
            try await self.guarded(request, file: context.parameters.get("file") ?? "") { id, format, query in
                let found = try await self.requests(
                    ids: [id], serviceCode: nil, start: nil, end: nil, status: nil, publishedOnly: false)
                guard !found.isEmpty else {
                    throw Failure(status: .notFound, message: "service request not found", format: format)
                }
                return try await self.render(requests: found, format: format, locale: query["locale"])
            }
        }
        group.get("tokens/{file}") { request, context in
            try await self.guarded(request, file: context.parameters.get("file") ?? "") { token, format, _ in
                let found = try await self.requests(
                    ids: [token], serviceCode: nil, start: nil, end: nil, status: nil, publishedOnly: false)
                guard let r = found.first else {
                    throw Failure(status: .notFound, message: "token not found", format: format)
                }
                return self.renderList(
                    root: "service_requests", item: "request",
                    rows: [["service_request_id": r.registrationNumber, "token": token]], format: format)
            }
        }
    }

    /// Resolves the format and the jurisdiction, turns every failure into the spec's error format.
    func guarded(
        _ request: Request, file: String, _ body: (String, Format, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let (name, format) = Self.split(file) else {
            return Self.errorResponse(status: .notFound, message: "add .json or .xml to the path", format: .json)
        }
        let query = Self.fields(request)
        if let j = query["jurisdiction_id"], !j.isEmpty, j != Self.jurisdiction {
            return Self.errorResponse(status: .notFound, message: "unknown jurisdiction_id", format: format)
        }
        do {
            return try await body(name, format, query)
        } catch let f as Failure {
            return Self.errorResponse(status: f.status, message: f.message, format: f.format)
        } catch let e as WebError {
            let message = e.errors.map { ($0.field.map { "\($0): " } ?? "") + $0.message }.joined(separator: "; ")
            return Self.errorResponse(status: e.status, message: message, format: format)
        } catch let e as APIError {
            let message = e.errors.map { ($0.field.map { "\($0): " } ?? "") + $0.message }.joined(separator: "; ")
            return Self.errorResponse(status: e.status, message: message, format: format)
        } catch let e as HTTPError {
            return Self.errorResponse(status: e.status, message: e.status.reasonPhrase, format: format)
        } catch is PostgresError {
            return Self.errorResponse(status: .serviceUnavailable, message: "temporarily unavailable", format: format)
        }
    }

    // MARK: Services

    /// The services, named in `locale`'s language (Ukrainian by default).
    func services(format: Format, locale: String? = nil) async throws -> Response {
        let english = Open311Notes.Language(locale: locale) == .en
        let rows = Reference.categories.map { c -> [String: String] in
            [
                "service_code": c.code, "service_name": english ? c.nameEn : c.nameUk,
                "description": english ? c.descriptionEn : c.descriptionUk, "metadata": "true",
                "type": "realtime",
                "keywords": c.nameEn.lowercased(), "group": c.needsStudy ? "30-day" : "15-day",
            ]
        }
        return renderList(root: "services", item: "service", rows: rows, format: format, booleans: ["metadata"])
    }

    struct Attribute {
        let code: String
        let datatype: String
        let required: Bool
        let description: String
        let values: [(String, String)]
        /// Open311's `order`: the attribute's 1-based place in `attributes`.
        var order = 0

        /// A free-text attribute (`string`).
        static func text(_ code: String, required: Bool = false, _ description: String) -> Attribute {
            Attribute(code: code, datatype: "string", required: required, description: description, values: [])
        }

        /// A choice among `values` (key, name) (`singlevaluelist`); never required.
        static func choice(_ code: String, _ description: String, _ values: [(String, String)]) -> Attribute {
            Attribute(
                code: code, datatype: "singlevaluelist", required: false, description: description, values: values)
        }
    }

    /// The residence (Art. 5 of the law on appeals) is required and declared, so a client that fills
    /// every required attribute (as FixMyStreet's does) can file; `address_string`, `lat` and `long`
    /// are the problem's place, never the residence. First and last name suffice; the patronymic is
    /// asked for, not required.
    static let attributes: [Attribute] = numbered([
        .text(
            "residence_address", required: true,
            "Адреса місця проживання заявника "
                + "(обовʼязкова за ст. 5 Закону «Про звернення громадян»)"
                + " / The applicant's residence address (required by Art. 5 of the law on citizens' appeals)"),
        .text(
            "patronymic",
            "По батькові заявника (за наявності)"
                + " / The applicant's patronymic (if any)"),
        // Not required: registration never depends on consent (Art. 7 of the law on appeals);
        // the consent recorded is to publish the text, which the law does not require.
        .choice(
            "consent",
            "Згода на оприлюднення тексту звернення"
                + " / Consent to publish the appeal's text",
            [("true", "Так / Yes")]),
        .choice(
            "kind", "Вид звернення / Kind of appeal",
            AppealKind.allCases.map { ($0.rawValue, $0.rawValue) }),
        .choice("district", "Район / District", Reference.districts.map { ($0.code, $0.nameUk) }),
        .choice(
            "benefit_category", "Пільгова категорія / Benefit category",
            Reference.benefitCategories.map { ($0.code, $0.nameUk) }),
        .text("subject", "Тема / Subject"),
        .choice(
            "against", "Для скарги: орган / For a complaint: the authority",
            Reference.authorities.map { ($0.code, $0.nameUk) }),
        .choice("confidential", "Конфіденційно / Confidential", [("true", "Так / Yes")]),
    ])

    private static func numbered(_ attributes: [Attribute]) -> [Attribute] {
        attributes.enumerated().map { place, attribute in
            var attribute = attribute
            attribute.order = place + 1
            return attribute
        }
    }

    func serviceDefinition(code: String, format: Format) async throws -> Response {
        guard Reference.category(code: code) != nil else {
            throw Failure(status: .notFound, message: "unknown service_code", format: format)
        }
        switch format {
        case .json:
            let attrs: [[String: Any]] = Self.attributes.map { a in
                [
                    "variable": true, "code": a.code, "datatype": a.datatype, "required": a.required,
                    "datatype_description": "",
                    "order": a.order, "description": a.description,
                    "values": a.values.map { ["key": $0.0, "name": $0.1] },
                ]
            }
            let body = try JSONSerialization.data(
                withJSONObject: ["service_code": code, "attributes": attrs], options: [.sortedKeys])
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        case .xml:
            let attrs = Self.attributes.map { a in
                XML.node(
                    "attribute",
                    XML.element("variable", "true") + XML.element("code", a.code) + XML.element("datatype", a.datatype)
                        + XML.element("required", a.required ? "true" : "false")
                        + XML.element("datatype_description", "")
                        + XML.element("order", "\(a.order)") + XML.element("description", a.description)
                        + XML.node(
                            "values",
                            a.values.map { XML.node("value", XML.element("key", $0.0) + XML.element("name", $0.1)) }
                                .joined()))
            }.joined()
            let xml = XML.document(
                XML.node("service_definition", XML.element("service_code", code) + XML.node("attributes", attrs)))
            return Response(
                status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: xml)))
        }
    }

    // MARK: POST requests

    func postRequest(_ request: Request, context: IntakeService.Context, format: Format) async throws -> Response {
        var request = request
        let form = try await WebForm.fields(&request, limit: intake.settings.maxBodyBytes)
        if let j = form["jurisdiction_id"], !j.isEmpty, j != Self.jurisdiction {
            throw Failure(status: .notFound, message: "unknown jurisdiction_id", format: format)
        }
        guard let centre = try await intake.store.authenticateCentre(key: form["api_key"]) else {
            throw Failure(status: .forbidden, message: "invalid api_key", format: format)
        }
        guard let code = form["service_code"], !code.isEmpty else {
            throw Failure(status: .badRequest, message: "service_code is required", format: format)
        }
        guard let category = Reference.category(code: code) else {
            throw Failure(status: .badRequest, message: "unknown service_code", format: format)
        }
        func attr(_ name: String) -> String? { form["attribute[\(name)]"].flatMap { $0.isEmpty ? nil : $0 } }
        // Text that is no number (or NaN) is NaN here, so the validator names `location.lat`/`.lon`
        // instead of the point vanishing; outside the city is `location` (CityBounds).
        let lat = MapCoordinate.parse(form["lat"])
        let lon = MapCoordinate.parse(form["long"])
        let addressString = form["address_string"].flatMap { $0.isEmpty ? nil : $0 }
        if (lat == nil || lon == nil) && addressString == nil && (form["address_id"] ?? "").isEmpty {
            throw Failure(
                status: .badRequest, message: "lat and long, address_string or address_id is required", format: format)
        }
        // First and last name as the client split them (FixMyStreet splits what the resident typed at
        // the first space, so this gives it back), then the patronymic when given and not already there.
        var nameParts = [form["first_name"], form["last_name"]].compactMap { $0?.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if let patronymic = attr("patronymic")?.trimmingCharacters(in: .whitespaces), !patronymic.isEmpty,
            !nameParts.joined(separator: " ").lowercased().contains(patronymic.lowercased())
        {
            nameParts.append(patronymic)
        }
        let fullName = nameParts.joined(separator: " ")
        let mediaURL = form["media_url"].map { $0.trimmingCharacters(in: .whitespaces) }
            .flatMap { $0.isEmpty ? nil : $0 }
        if let mediaURL, let problem = Open311Notes.mediaURLProblem(mediaURL) {
            throw Failure(status: .badRequest, message: problem, format: format)
        }
        // The problem's place is the appeal's location; without coordinates the address the
        // client gives is kept with the text, so it is never taken for the residence.
        var text = form["description"]
        var location: AppealSubmission.Location? = nil
        if lat != nil || lon != nil {
            location = AppealSubmission.Location(lat: lat, lon: lon, address: addressString)
        } else if let addressString, let given = text, !given.trimmingCharacters(in: .whitespaces).isEmpty {
            text = given + "\n\nМісце / Location: " + addressString
        }
        let truthy: Set<String> = ["true", "yes", "1", "on", "так"]
        let submission = AppealSubmission(
            kind: attr("kind") ?? (attr("against") != nil ? "complaint" : "application"), category: category.code,
            author: AppealSubmission.Author(
                fullName: fullName, address: form["attribute[residence_address]"], email: form["email"],
                phone: form["phone"], preferredLanguage: Open311Notes.Language(locale: form["locale"]).rawValue,
                benefitCategory: attr("benefit_category")),
            subject: attr("subject") ?? category.nameUk, text: text, district: attr("district"),
            location: location,
            centreId: nil, assistedBy: attr("assisted_by"),
            consent: attr("consent").map { truthy.contains($0.lowercased()) } ?? false,
            confidential: attr("confidential").map { truthy.contains($0.lowercased()) }, against: attr("against"),
            publish: attr("consent").map { truthy.contains($0.lowercased()) })
        let outcome = try await intake.register(
            submission, channel: AppealValidator.Channel.open311, centre: centre.id, mediaURL: mediaURL,
            logger: context.logger)
        guard case .registered(let receipt) = outcome else {
            throw Failure(status: .internalServerError, message: "not registered", format: format)
        }
        if let mediaURL {
            try await intake.store.saveOpen311Media(registrationNumber: receipt.registrationNumber, url: mediaURL)
        }
        let row: [String: String] = [
            "service_request_id": receipt.registrationNumber, "token": receipt.registrationNumber,
            "service_notice":
                "Зареєстровано. Код відстеження: \(receipt.trackingToken) / "
                + "Registered. Tracking code: \(receipt.trackingToken)",
            "account_id": form["account_id"] ?? "",
        ]
        var response = renderList(root: "service_requests", item: "request", rows: [row], format: format)
        response.status = .created
        return response
    }

    // MARK: Query parameters

    /// The parameter `name`, nil when it is absent or empty.
    static func nonEmpty(_ query: [String: String], _ name: String) -> String? {
        query[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `value`, the parameter `name`, as a date; 400 when it is not ISO 8601 with an offset.
    static func date(_ value: String, _ name: String, format: Format) throws -> Date {
        guard let date = ISO8601.parse(value) else {
            throw Failure(status: .badRequest, message: "\(name) must be ISO 8601 with offset", format: format)
        }
        return date
    }

    /// 400 when the window runs backwards or spans more than `maxRangeDays` days.
    static func checkWindow(from start: Date, to end: Date, format: Format) throws {
        guard start <= end else {
            throw Failure(status: .badRequest, message: "start_date is after end_date", format: format)
        }
        guard end.timeIntervalSince(start) <= Double(Self.maxRangeDays) * 86_400 else {
            throw Failure(status: .badRequest, message: "the date range may span at most 90 days", format: format)
        }
    }

    // MARK: GET servicerequestupdates

    /// The status changes of published requests in a window (`start_date`/`end_date`, both or
    /// neither; by default the last day), as the `service_request_updates` extension that
    /// FixMyStreet reads: the status (FixMyStreet's vocabulary) and a note on what it means.
    func listUpdates(query: [String: String], format: Format) async throws -> Response {
        let given = (Self.nonEmpty(query, "start_date"), Self.nonEmpty(query, "end_date"))
        let end: Date
        let start: Date
        switch given {
        case (nil, nil):
            end = intake.settings.clock()
            start = end.addingTimeInterval(-86_400)
        case (let s?, let e?):
            start = try Self.date(s, "start_date", format: format)
            end = try Self.date(e, "end_date", format: format)
        default:
            throw Failure(status: .badRequest, message: "start_date and end_date go together", format: format)
        }
        try Self.checkWindow(from: start, to: end, format: format)
        let language = Open311Notes.Language(locale: query["locale"])
        let rows = try await intake.store.publicStatusChanges(from: start, to: end).map { c -> [String: String] in
            let status = PublicStatus(rawValue: c.status)
            return [
                "update_id": "\(c.updateId)", "service_request_id": c.registrationNumber,
                "status": Open311Notes.updateStatus(status), "updated_datetime": ISO8601.format(c.occurredAt),
                "description": Open311Notes.statusNote(status, language: language), "media_url": "",
            ]
        }
        return renderList(root: "service_request_updates", item: "request_update", rows: rows, format: format)
    }

    // MARK: GET requests

    func listRequests(query: [String: String], format: Format) async throws -> Response {
        let now = intake.settings.clock()
        let ids =
            query["service_request_id"].map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } ?? []
        var start = try Self.nonEmpty(query, "start_date").map { try Self.date($0, "start_date", format: format) }
        var end = try Self.nonEmpty(query, "end_date").map { try Self.date($0, "end_date", format: format) }
        let status = Self.nonEmpty(query, "status")
        if let status, status != "open", status != "closed" {
            throw Failure(status: .badRequest, message: "status must be open or closed", format: format)
        }
        if ids.isEmpty {
            let rangeEnd = end ?? now
            let rangeStart = start ?? rangeEnd.addingTimeInterval(-Double(Self.maxRangeDays) * 86_400)
            try Self.checkWindow(from: rangeStart, to: rangeEnd, format: format)
            start = rangeStart
            end = rangeEnd
        }
        guard ids.count <= 100 else {
            throw Failure(status: .badRequest, message: "at most 100 service_request_id values", format: format)
        }
        let rows = try await requests(
            ids: ids, serviceCode: query["service_code"].flatMap { $0.isEmpty ? nil : $0 }, start: start, end: end,
            status: status)
        return try await render(requests: rows, format: format, locale: query["locale"])
    }

    func requests(
        ids: [String], serviceCode: String?, start: Date?, end: Date?, status: String?, publishedOnly: Bool = true
    ) async throws -> [PublicAppeal] {
        try await intake.store.publicAppeals(
            numbers: ids.map(RegistrationNumber.normalised),
            categories: serviceCode.map { $0.split(separator: ",").map(String.init) } ?? [],
            from: start, to: end, closed: status.map { $0 == "closed" }, publishedOnly: publishedOnly)
    }

    /// The requests in the spec's shape. `status_notes` says what the state means, in `locale`'s
    /// language (Ukrainian by default); `media_url`, description and place only when published.
    func render(requests: [PublicAppeal], format: Format, locale: String?) async throws -> Response {
        let language = Open311Notes.Language(locale: locale)
        let media = try await intake.store.open311Media(numbers: requests.filter(\.published).map(\.registrationNumber))
        let rows = requests.map { r -> [String: String] in
            let category = Reference.category(code: r.category)
            let status = PublicStatus(rawValue: r.status)
            var row: [String: String] = [
                "service_request_id": r.registrationNumber,
                "status": status?.isClosed == true ? "closed" : "open",
                "status_notes": Open311Notes.statusNote(status, language: language),
                "service_name": (language == .en ? category?.nameEn : category?.nameUk) ?? r.category,
                "service_code": r.category,
                "agency_responsible": r.authority.flatMap { code in
                    Reference.body(code: code).map { language == .en ? $0.nameEn : $0.nameUk }
                } ?? "",
                "service_notice": "",
                "requested_datetime": ISO8601.format(r.registeredAt),
                "updated_datetime": ISO8601.format(r.updatedAt),
                "expected_datetime": r.deadline.map { ISO8601.format($0.endOfDay().addingTimeInterval(-1), in: .kyiv) }
                    ?? "",
                "address": r.published ? (r.address ?? "") : "",
                "lat": r.published ? (r.lat.map { "\($0)" } ?? "") : "",
                "long": r.published ? (r.lon.map { "\($0)" } ?? "") : "",
            ]
            if r.published, let text = r.text { row["description"] = text }
            row["media_url"] = r.published ? (media[r.registrationNumber] ?? "") : ""
            return row
        }
        return renderList(
            root: "service_requests", item: "request", rows: rows, format: format, numbers: ["lat", "long"])
    }

    /// A list of flat objects as JSON (empty strings → null) or XML.
    func renderList(
        root: String, item: String, rows: [[String: String]], format: Format, booleans: Set<String> = [],
        numbers: Set<String> = []
    ) -> Response {
        switch format {
        case .json:
            let objects: [[String: Any]] = rows.map { row in
                var o: [String: Any] = [:]
                for (k, v) in row {
                    if v.isEmpty {
                        o[k] = NSNull()
                    } else if booleans.contains(k) {
                        o[k] = v == "true"
                    } else if numbers.contains(k), let d = Double(v) {
                        o[k] = d
                    } else {
                        o[k] = v
                    }
                }
                return o
            }
            let body = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])) ?? Data("[]".utf8)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        case .xml:
            let items = rows.map { row in XML.node(item, row.keys.sorted().map { XML.element($0, row[$0]!) }.joined()) }
                .joined()
            return Response(
                status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: XML.document(XML.node(root, items)))))
        }
    }
}

enum XML {
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Characters XML 1.0 cannot carry are dropped.
                if ch.value < 0x20 && ch != "\n" && ch != "\r" && ch != "\t" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
    /// A text element, escaped.
    static func element(_ name: String, _ text: String) -> String { "<\(name)>\(escape(text))</\(name)>" }
    /// An element around markup built by `element`/`node` (never around input text).
    static func node(_ name: String, _ markup: String) -> String { "<\(name)>\(markup)</\(name)>" }
    static func document(_ body: String) -> String { "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + body }
}
