import Foundation
import HromadaContracts

/// A category as the API lists it (`GET /v1/categories`).
public struct CategoryEntry: Codable, Sendable, Equatable {
    public let code, nameUk, nameEn, descriptionUk, descriptionEn, defaultAuthority: String
    public let termDays: Int
    /// True when the law's longer term applies (one month: the issue needs extra study).
    public let needsStudy: Bool

    public init(
        code: String, nameUk: String, nameEn: String, descriptionUk: String, descriptionEn: String,
        defaultAuthority: String, termDays: Int
    ) {
        self.code = code
        self.nameUk = nameUk
        self.nameEn = nameEn
        self.descriptionUk = descriptionUk
        self.descriptionEn = descriptionEn
        self.defaultAuthority = defaultAuthority
        self.termDays = termDays
        self.needsStudy = termDays == Law.studyTermDays
    }
}

/// An authority as the API lists it (`GET /v1/authorities`).
public struct AuthorityEntry: Codable, Sendable, Equatable {
    public let code, nameUk, nameEn: String
    public let district: String?
}

/// A district as the API lists it (`GET /v1/districts`).
public struct DistrictEntry: Codable, Sendable, Equatable {
    public let code, nameUk, nameEn: String
}
