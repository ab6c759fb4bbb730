// HromadaAPI — intake's JSON (port 8080): the registration response, the resident's status view,
// reference data and the administrators' centres.
public import Foundation
public import HromadaContracts

public enum IntakeJSON {
    /// `201` of `POST /v1/appeals`.
    public struct AppealRegistered: Codable, Sendable, Equatable {
        public var id: UUID
        public var registrationNumber: String
        public var trackingToken: String
        public var status: String
        public var registeredAt: Date
        /// The earlier appeal this one repeats (Art. 8), when detected.
        public var repeatOf: String?

        public init(
            id: UUID, registrationNumber: String, trackingToken: String, status: String, registeredAt: Date,
            repeatOf: String? = nil
        ) {
            self.id = id
            self.registrationNumber = registrationNumber
            self.trackingToken = trackingToken
            self.status = status
            self.registeredAt = registeredAt
            self.repeatOf = repeatOf
        }

        enum CodingKeys: String, CodingKey {
            case id, registrationNumber, trackingToken, status, registeredAt, repeatOf
        }

        /// The `id` is written lower-case, as every identifier on the wire.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id.uuidString.lowercased(), forKey: .id)
            try c.encode(registrationNumber, forKey: .registrationNumber)
            try c.encode(trackingToken, forKey: .trackingToken)
            try c.encode(status, forKey: .status)
            try c.encode(registeredAt, forKey: .registeredAt)
            try c.encodeIfPresent(repeatOf, forKey: .repeatOf)
        }
    }

    /// `GET /v1/appeals/{registrationNumber}?token=…`: status and history, no personal data.
    public struct AppealStatus: Codable, Sendable, Equatable {
        public struct HistoryEntry: Codable, Sendable, Equatable {
            public var at: Date
            public var event: String
            public var status: String
            public var authority: String?
            public var authorityName: String?
            public var deadline: LocalDate?
            public var note: String?

            public init(
                at: Date, event: String, status: String, authority: String?, authorityName: String?,
                deadline: LocalDate?, note: String?
            ) {
                self.at = at
                self.event = event
                self.status = status
                self.authority = authority
                self.authorityName = authorityName
                self.deadline = deadline
                self.note = note
            }
        }
        public var registrationNumber: String
        public var status: String
        public var kind: String
        public var category: String
        public var categoryName: String
        public var registeredAt: Date
        public var authority: String?
        public var authorityName: String?
        public var deadline: LocalDate?
        public var repeatOf: String?
        public var history: [HistoryEntry]
        /// The latest answer (issue 14: the resident with the code may read their own answer).
        public var answer: Answer?
        /// The latest extension of the term and its reason.
        public var extension_: Extension?

        /// An answer: its text, outcome code and the outcome's name in the asked language.
        public struct Answer: Codable, Sendable, Equatable {
            public var text: String
            public var outcome: String?
            public var outcomeName: String?
            public var answeredAt: Date
            public var authority: String?
            public var authorityName: String?

            public init(
                text: String, outcome: String?, outcomeName: String?, answeredAt: Date, authority: String?,
                authorityName: String?
            ) {
                self.text = text
                self.outcome = outcome
                self.outcomeName = outcomeName
                self.answeredAt = answeredAt
                self.authority = authority
                self.authorityName = authorityName
            }
        }

        /// An extension: why, until when, when it was decided.
        public struct Extension: Codable, Sendable, Equatable {
            public var reason: String
            public var deadline: LocalDate?
            public var extendedAt: Date

            public init(reason: String, deadline: LocalDate?, extendedAt: Date) {
                self.reason = reason
                self.deadline = deadline
                self.extendedAt = extendedAt
            }
        }

        enum CodingKeys: String, CodingKey {
            case registrationNumber, status, kind, category, categoryName, registeredAt, authority, authorityName
            case deadline, repeatOf, history, answer
            case extension_ = "extension"
        }

        public init(
            registrationNumber: String, status: String, kind: String, category: String, categoryName: String,
            registeredAt: Date, authority: String?, authorityName: String?, deadline: LocalDate?, repeatOf: String?,
            history: [HistoryEntry]
        ) {
            self.registrationNumber = registrationNumber
            self.status = status
            self.kind = kind
            self.category = category
            self.categoryName = categoryName
            self.registeredAt = registeredAt
            self.authority = authority
            self.authorityName = authorityName
            self.deadline = deadline
            self.repeatOf = repeatOf
            self.history = history
        }
    }

    /// One item of `GET /v1/categories`, `/v1/authorities`, `/v1/districts`: a code and its names.
    public struct ReferenceItem: Codable, Sendable, Equatable {
        public var code: String
        public var nameUk: String?
        public var nameEn: String?
    }

    /// `GET /v1/admin/centres` (an array) and the answer of `PUT /v1/admin/centres/{id}`.
    public struct Centre: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var address: String
        public var active: Bool
        public var updatedAt: Date?

        public init(id: String, name: String, address: String, active: Bool, updatedAt: Date? = nil) {
            self.id = id
            self.name = name
            self.address = address
            self.active = active
            self.updatedAt = updatedAt
        }
    }

    /// Body of `PUT /v1/admin/centres/{id}`.
    public struct CentreUpsert: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        public var key: String
        public var active: Bool?

        public init(name: String, address: String, key: String, active: Bool? = nil) {
            self.name = name
            self.address = address
            self.key = key
            self.active = active
        }
    }

    /// Body of `POST /v1/admin/centres/{id}/librarians`: a librarian's personal account. Without a
    /// password one is generated and returned once.
    public struct LibrarianCreate: Codable, Sendable, Equatable {
        public var login: String
        public var password: String?

        public init(login: String, password: String? = nil) {
            self.login = login
            self.password = password
        }
    }

    /// A librarian's account (never its password): `GET /v1/admin/centres/{id}/librarians` (an array).
    public struct Librarian: Codable, Sendable, Equatable {
        public var id: UUID
        public var centre: String
        public var login: String
        public var active: Bool
        public var createdAt: Date

        public init(id: UUID, centre: String, login: String, active: Bool, createdAt: Date) {
            self.id = id
            self.centre = centre
            self.login = login
            self.active = active
            self.createdAt = createdAt
        }
    }

    /// `201` of `POST /v1/admin/centres/{id}/librarians`; `password` only when it was generated.
    public struct LibrarianCreated: Codable, Sendable, Equatable {
        public var librarian: Librarian
        public var password: String?

        public init(librarian: Librarian, password: String? = nil) {
            self.librarian = librarian
            self.password = password
        }
    }

    /// Body of `PUT /v1/admin/centres/{id}/librarians/{login}`: create the account or set its password.
    public struct LibrarianPassword: Codable, Sendable, Equatable {
        public var password: String
        public init(password: String) { self.password = password }
    }

    /// Answer of `PUT /v1/admin/centres/{id}/librarians/{login}`.
    public struct LibrarianUpserted: Codable, Sendable, Equatable {
        public var librarian: Librarian
        public var created: Bool
        public init(librarian: Librarian, created: Bool) {
            self.librarian = librarian
            self.created = created
        }
    }
}
