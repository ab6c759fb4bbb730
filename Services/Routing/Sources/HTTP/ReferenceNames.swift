import HromadaContracts

/// A reference entry (district, authority, category, benefit category): a code and its name in
/// each of the pages' two languages.
protocol BilingualReference {
    var code: String { get }
    var nameUk: String { get }
    var nameEn: String { get }
}

extension BilingualReference {
    /// The name in `language`.
    func name(_ language: Language) -> String { language == .en ? nameEn : nameUk }
}

extension Reference.District: BilingualReference {}
extension Reference.Authority: BilingualReference {}
extension Reference.Category: BilingualReference {}
extension Reference.BenefitCategory: BilingualReference {}
