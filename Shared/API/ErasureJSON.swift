// HromadaAPI — intake's erasure administration (port 8080, administrator token).
public import Foundation

public enum ErasureJSON {
    /// `POST /v1/admin/appeals/{registrationNumber}/erase` body.
    public struct Request: Codable, Sendable, Equatable {
        /// The legal reason for erasing before (or apart from) the retention sweep; required.
        public var reason: String
        /// Re-applies an erasure recorded before a restore (the ledger of `hromadactl erasure
        /// reapply`): the appeal may look open in the restored data, so the open check is skipped.
        public var reapply: Bool?

        public init(reason: String, reapply: Bool? = nil) {
            self.reason = reason
            self.reapply = reapply
        }
    }

    /// One appeal's erasure and its progress through the services: the answer of the erase
    /// request, of `GET /v1/admin/erasures/{registrationNumber}`, and each row of the list.
    public struct Status: Codable, Sendable, Equatable {
        public var registrationNumber: String
        /// `retention` or `administrator`.
        public var trigger: String
        /// The administrator's recorded legal reason (the sweep's: the retention rule).
        public var reason: String
        public var decidedBy: String
        public var erasedAt: Date
        /// The services that confirmed their part, sorted.
        public var confirmed: [String]
        /// The services still to confirm, sorted (empty when complete).
        public var waiting: [String]
        public var complete: Bool
        /// False when this request found the appeal already erased.
        public var erasedNow: Bool?

        public init(
            registrationNumber: String, trigger: String, reason: String, decidedBy: String, erasedAt: Date,
            confirmed: [String], waiting: [String], erasedNow: Bool? = nil
        ) {
            self.registrationNumber = registrationNumber
            self.trigger = trigger
            self.reason = reason
            self.decidedBy = decidedBy
            self.erasedAt = erasedAt
            self.confirmed = confirmed
            self.waiting = waiting
            self.complete = waiting.isEmpty
            self.erasedNow = erasedNow
        }
    }

    /// `GET /v1/admin/erasures[?state=waiting|complete][&limit=N]` (N up to 100000, default 100).
    public struct List: Codable, Sendable, Equatable {
        public var erasures: [Status]
        /// Counts over all erasures (not only the listed ones).
        public var complete: Int
        public var waiting: Int

        public init(erasures: [Status], complete: Int, waiting: Int) {
            self.erasures = erasures
            self.complete = complete
            self.waiting = waiting
        }
    }
}
