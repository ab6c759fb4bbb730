import Foundation

// The typed view models of the web inbox's pages (rendered by the kit's template library: stored
// properties only; an optional that is nil closes its section, an empty string would open it).

struct NotFoundView: Encodable, Sendable {}

struct TicketView: Encodable, Sendable {
    struct Appeal: Encodable, Sendable {
        var kind: String
        var category: String
        var district: String
        var subject: String
        var text: String
        var authorName: String
        var authorAddress: String
        var authorEmail: String
        var authorPhone: String
        var benefit: String
        var confidential: Bool
        var against: String?
        var repeatOf: String?
    }

    struct HistoryRow: Encodable, Sendable {
        var at: String
        var action: String
        var actor: String
        var status: String
        var authority: String
        var note: String
    }

    struct Option: Encodable, Sendable {
        var code: String
        var name: String
    }

    var id: String
    var registrationNumber: String
    var authority: String
    var status: String
    var priority: Bool
    var deadline: String
    var overdue: Bool
    var daysLeft: Int
    var extended: Bool
    var escalated: Bool
    var registeredOn: String
    var forwardAllowedUntil: String
    var forwardWindowOpen: Bool
    var maxDeadline: String
    var minDeadline: String
    /// `maxDeadline` as people read it (the field itself stays ISO for the date input's `max`).
    var maxDeadlineText: String = ""
    var outcome: String?
    var answerText: String
    var appeal: Appeal
    var history: [HistoryRow]
    var csrf: String
    var canAccept: Bool
    var canForward: Bool
    var canExtend: Bool
    var canAnswer: Bool
    var canReopen: Bool
    var canClose: Bool
    var forwardTargets: [Option]
    var outcomes: [Option]
    var message: String?
    var error: String?
    /// The registration card: who took the ticket off control, when, and the recorded result.
    var offControlBy: String? = nil
    var offControlAt: String? = nil
    var resultNote: String = ""
    /// The head's decisions (Art. 5, 8) and the grounds of "not considered".
    var canReturn = false
    var canNotConsider = false
    var grounds: [Option] = []
    /// The draft waiting for a signature (Art. 15, 20), and whether this person signs or rejects it.
    var draft: Draft? = nil
    var canSign = false
    /// An official's answer or extension becomes a draft for the head to sign.
    var draftsOnly = false
    /// Art. 15 and 17 on this ticket; the day terms count from.
    var headPersonally = false
    var complaintTermMissed: String? = nil
    var canRestoreTerm = false
    /// Reception registers a resident's dispute of the answer (a complaint to the body above).
    var canDispute = false
    var termsStartOn: String = ""
    /// The card: who signed the answer (Art. 15) and who drafted it, from the history.
    var signedBy: String? = nil
    /// Issue 15: the appeal's photos through signed links to intake (PhotoLinks.swift).
    var photos: TicketPhotos? = nil
    /// Issue 15: the problem's place and an Open311 photo link (TicketPlaceView.swift).
    var place: TicketPlaceView? = nil
    /// The inbox's internal notes and assignment (InboxPages.swift, `inbox-work.mustache`).
    var inbox: InboxTicketWork? = nil

    struct Draft: Encodable, Sendable {
        var kind: String
        var isAnswer: Bool
        var outcome: String?
        var text: String?
        var newDeadline: String?
        var reason: String?
        var preparedByName: String
        var preparedBy: String
        var preparedAt: String
    }
}
