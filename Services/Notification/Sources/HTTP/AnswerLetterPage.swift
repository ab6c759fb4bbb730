import Foundation
import HromadaContracts
import HromadaWeb
import Hummingbird

/// The printable answer letter (issue 14, "the librarian's day"): for a resident without email,
/// the centre prints the official's answer from its notices page and hands it over. A4, nothing
/// but the letter in print (the kit's print styles hide the header and buttons). It names the
/// answering body, the author and the address (Art. 5), the registration number and date, the
/// answer and its outcome in words, and the law: the answer is given under Art. 15 and 20 of the
/// Law «Про звернення громадян»; a refusal states its reasons and how to appeal (Art. 15); the
/// author may complain to the body above within a year of the decision and at most a month after
/// learning of it (Art. 16, 17).
extension CentreRoutes {
    struct LetterView: Encodable, Sendable {
        var nav: CentreNav
        var csrf: String
        var number, registeredOn, answeredOn: String
        var authorityName: String
        var residentName: String
        var residentAddress: String?
        var centreName: String
        var centreAddress: String?
        var officialName: String?
        var outcomeName: String
        var refused: Bool
        var answerText: String
        /// "Відповідь на Ваше звернення № … від …".
        var reference: String
    }

    func letterView(_ letter: AnswerLetter, centre: String, csrf: String, request: Request) -> LetterView {
        let language = Language.of(request)
        let registeredOn = PeopleDates.day(letter.registeredAt, language)
        let reference = site.catalogue.string("letterReference", language)
            .replacingOccurrences(of: "{number}", with: letter.registrationNumber)
            .replacingOccurrences(of: "{date}", with: registeredOn)
        return LetterView(
            nav: nav(centre, centreName: letter.centreName, language: language), csrf: csrf,
            number: letter.registrationNumber, registeredOn: registeredOn,
            answeredOn: PeopleDates.day(letter.answeredAt, language),
            authorityName: NotificationPlanner.authorityName(letter.authority, language: language.rawValue),
            residentName: letter.residentName, residentAddress: letter.residentAddress,
            centreName: letter.centreName, centreAddress: letter.centreAddress, officialName: letter.officialName,
            outcomeName: site.catalogue.string(
                "outcome_" + letter.outcome.rawValue.replacingOccurrences(of: "-", with: "_"), language),
            refused: letter.outcome == .refused, answerText: letter.answerText, reference: reference)
    }
}
