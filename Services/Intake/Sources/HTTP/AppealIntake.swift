import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import Logging
import Metrics

/// What every front door (the JSON API, Open311, the librarian's form) does with an appeal:
/// validate (domain), register (store), count and log. Throws `APIError` (422) naming every
/// field problem.
struct AppealIntake: Sendable {
    let store: IntakeStore
    let settings: IntakeSettings
    let strings: IntakeStrings

    func register(
        _ submission: AppealSubmission, channel: String, centre: String?, registeredBy librarian: UUID? = nil,
        idempotency: IdempotentRequest? = nil, photos: [PreparedPhoto] = [], mediaURL: String? = nil, logger: Logger
    ) async throws -> RegistrationOutcome {
        var valid: ValidAppeal
        switch AppealValidator.validate(submission, channel: channel, authenticatedCentre: centre) {
        case .success(let appeal):
            valid = appeal
            valid.registeredBy = librarian
            valid.mediaURL = mediaURL
        case .failure(let failure):
            for problem in failure.errors {
                Counter(
                    label: "hromada_appeal_validation_failures_total",
                    dimensions: [("channel", channel), ("field", problem.field ?? "-"), ("code", problem.code)]
                ).increment()
            }
            throw strings.validationError(failure)
        }
        let outcome = try await store.register(
            valid, channel: channel, at: settings.clock(), idempotency: idempotency, photos: photos)
        if case .registered(let receipt) = outcome {
            Counter(label: "hromada_appeals_registered_total", dimensions: [("channel", channel)]).increment()
            if receipt.repeatOf != nil {
                Counter(label: "hromada_appeals_repeat_total", dimensions: [("channel", channel)]).increment()
            }
            logger.info(
                "appeal registered",
                metadata: [
                    "appeal.id": "\(receipt.id.uuidString.lowercased())",
                    "appeal.number": "\(receipt.registrationNumber)",
                    "appeal.channel": "\(channel)", "appeal.repeat": "\(receipt.repeatOf != nil)",
                ])
        }
        return outcome
    }

    /// The resident's view when `token` belongs to `number` (prefix in either case), else nil.
    /// Implausible input costs the same hash comparison as a wrong token.
    func track(number: String, token: String, language: Language) async throws -> AppealStatusView? {
        guard (1...RegistrationNumber.maximumLength).contains(number.count), (1...200).contains(token.count) else {
            _ = TokenHash.verify(token: "x", hash: String(repeating: "0", count: 64))
            return nil
        }
        return try await store.statusView(
            number: RegistrationNumber.normalised(number), token: token, language: language)
    }
}
