/// Deadlines and windows from the Law of Ukraine «Про звернення громадян» (calendar days).
public enum Law {
    /// Art. 20: answer within 15 days when no extra study is needed…
    public static let standardTermDays = 15
    /// …otherwise within one month (counted as 30 days here).
    public static let studyTermDays = 30
    /// Art. 20: with an extension, at most 45 days in total.
    public static let maxTermDays = 45
    /// Art. 7: forward to the competent body within 5 days.
    public static let forwardWindowDays = 5
    /// Art. 5: return a defective appeal within 10 days.
    public static let returnWindowDays = 10
    /// The watcher raises `ticket.deadline-approaching` this many days before the deadline.
    public static let deadlineWarningDays = 3
    /// An appeal from the same author on the same category within this window is flagged as a repeat.
    public static let repeatWindowDays = 30

    /// The deadline of an appeal registered on `registeredOn` with a term of `termDays`.
    public static func deadline(registeredOn: LocalDate, termDays: Int) -> LocalDate {
        registeredOn.adding(days: termDays)
    }

    /// The latest possible deadline (after any extension) of an appeal registered on `registeredOn`.
    public static func latestDeadline(registeredOn: LocalDate) -> LocalDate { registeredOn.adding(days: maxTermDays) }
}

/// Mykolaiv's reference data: districts, authorities, categories, benefit categories. Services seed
/// their own tables from these; codes are stable ASCII slugs.
public enum Reference {
    public struct District: Codable, Sendable, Hashable {
        public let code: String
        public let nameUk: String
        public let nameEn: String
    }

    public struct Authority: Codable, Sendable, Hashable {
        public let code: String
        public let nameUk: String
        public let nameEn: String
        /// For a district administration: its district's code.
        public let district: String?
    }

    public struct Category: Codable, Sendable, Hashable {
        public let code: String
        public let nameUk: String
        public let nameEn: String
        public let descriptionUk: String
        public let descriptionEn: String
        public let defaultAuthority: String
        /// `Law.standardTermDays` or `Law.studyTermDays`.
        public let termDays: Int
        /// True when the term is the longer one for matters that need study.
        public var needsStudy: Bool { termDays == Law.studyTermDays }
    }

    public struct BenefitCategory: Codable, Sendable, Hashable {
        public let code: String
        public let nameUk: String
        public let nameEn: String
    }

    public static let defaultAuthority = "mayor-reception"

    public static let districts: [District] = [
        District(code: "zavodskyi", nameUk: "Заводський", nameEn: "Zavodskyi"),
        District(code: "inhulskyi", nameUk: "Інгульський", nameEn: "Inhulskyi"),
        District(code: "korabelnyi", nameUk: "Корабельний", nameEn: "Korabelnyi"),
        District(code: "tsentralnyi", nameUk: "Центральний", nameEn: "Tsentralnyi"),
    ]

    public static let authorities: [Authority] = [
        Authority(
            code: "mayor-reception",
            nameUk: "Приймальня міського голови",
            nameEn: "Mayor's Reception",
            district: nil),
        Authority(
            code: "zhkg",
            nameUk: "Департамент житлово-комунального господарства",
            nameEn: "Department of Housing and Utilities",
            district: nil),
        Authority(
            code: "transport",
            nameUk: "Управління транспортного комплексу, звʼязку та "
                + "телекомунікацій",
            nameEn: "Department of Transport",
            district: nil),
        Authority(
            code: "social-protection",
            nameUk: "Департамент праці та соціального захисту населення",
            nameEn: "Department of Labour and Social Protection",
            district: nil),
        Authority(
            code: "health",
            nameUk: "Управління охорони здоровʼя",
            nameEn: "Health Care Department",
            district: nil),
        Authority(
            code: "education",
            nameUk: "Управління освіти",
            nameEn: "Department of Education",
            district: nil),
        Authority(
            code: "architecture",
            nameUk: "Управління містобудування та архітектури",
            nameEn: "Department of Urban Planning and Architecture",
            district: nil),
        Authority(
            code: "land-resources",
            nameUk: "Управління земельних ресурсів",
            nameEn: "Department of Land Resources",
            district: nil),
        Authority(
            code: "zavodskyi-administration",
            nameUk: "Адміністрація Заводського району",
            nameEn: "Zavodskyi District Administration",
            district: "zavodskyi"),
        Authority(
            code: "inhulskyi-administration",
            nameUk: "Адміністрація Інгульського району",
            nameEn: "Inhulskyi District Administration",
            district: "inhulskyi"),
        Authority(
            code: "korabelnyi-administration",
            nameUk: "Адміністрація Корабельного району",
            nameEn: "Korabelnyi District Administration",
            district: "korabelnyi"),
        Authority(
            code: "tsentralnyi-administration",
            nameUk: "Адміністрація Центрального району",
            nameEn: "Tsentralnyi District Administration",
            district: "tsentralnyi"),
    ]

    public static let categories: [Category] = [
        Category(
            code: "heating",
            nameUk: "Теплопостачання",
            nameEn: "Heating",
            descriptionUk: "Відсутність або недостатнє опалення, аварії "
                + "тепломереж, гаряча вода.",
            descriptionEn: "No or insufficient heating, heating network failures, hot water.",
            defaultAuthority: "zhkg",
            termDays: 15),
        Category(
            code: "water-supply",
            nameUk: "Водопостачання та водовідведення",
            nameEn: "Water supply and sewerage",
            descriptionUk: "Відсутність води, низький тиск, якість води, "
                + "аварії каналізації.",
            descriptionEn: "No water, low pressure, water quality, sewer failures.",
            defaultAuthority: "zhkg",
            termDays: 15),
        Category(
            code: "roads",
            nameUk: "Дороги та тротуари",
            nameEn: "Roads and pavements",
            descriptionUk: "Ями, ремонт доріг і тротуарів, бордюри, зливова "
                + "каналізація.",
            descriptionEn: "Potholes, road and pavement repair, kerbs, storm drains.",
            defaultAuthority: "zhkg",
            termDays: 30),
        Category(
            code: "street-lighting",
            nameUk: "Вуличне освітлення",
            nameEn: "Street lighting",
            descriptionUk: "Несправні або відсутні ліхтарі на вулицях, у "
                + "дворах і парках.",
            descriptionEn: "Broken or missing lights in streets, courtyards and parks.",
            defaultAuthority: "zhkg",
            termDays: 15),
        Category(
            code: "waste",
            nameUk: "Вивезення сміття та благоустрій",
            nameEn: "Waste collection and public spaces",
            descriptionUk: "Вивезення сміття, стихійні звалища, прибирання, "
                + "озеленення.",
            descriptionEn: "Waste collection, illegal dumps, cleaning, greenery.",
            defaultAuthority: "zhkg",
            termDays: 15),
        Category(
            code: "public-transport",
            nameUk: "Громадський транспорт",
            nameEn: "Public transport",
            descriptionUk: "Маршрути, розклад, робота водіїв, зупинки, проїзд "
                + "пільговиків.",
            descriptionEn: "Routes, timetables, drivers, stops, concession fares.",
            defaultAuthority: "transport",
            termDays: 30),
        Category(
            code: "social-support",
            nameUk: "Соціальний захист",
            nameEn: "Social support",
            descriptionUk: "Пільги, субсидії, допомоги, соціальні послуги.",
            descriptionEn: "Benefits, housing subsidies, allowances, social services.",
            defaultAuthority: "social-protection",
            termDays: 30),
        Category(
            code: "health-care",
            nameUk: "Охорона здоровʼя",
            nameEn: "Health care",
            descriptionUk: "Робота міських лікарень і амбулаторій, ліки, "
                + "доступ до лікаря.",
            descriptionEn: "City hospitals and clinics, medicines, access to doctors.",
            defaultAuthority: "health",
            termDays: 30),
        Category(
            code: "education",
            nameUk: "Освіта",
            nameEn: "Education",
            descriptionUk: "Школи, дитячі садки, позашкільна освіта, укриття "
                + "в закладах освіти.",
            descriptionEn: "Schools, kindergartens, out-of-school education, shelters in schools.",
            defaultAuthority: "education",
            termDays: 30),
        Category(
            code: "land-construction",
            nameUk: "Земельні питання та будівництво",
            nameEn: "Land and construction",
            descriptionUk: "Земельні ділянки, самочинне будівництво, "
                + "містобудівна документація.",
            descriptionEn: "Land plots, unauthorised construction, planning documents.",
            defaultAuthority: "land-resources",
            termDays: 30),
        Category(
            code: "other",
            nameUk: "Інше",
            nameEn: "Other",
            descriptionUk: "Питання, що не належать до інших категорій.",
            descriptionEn: "Matters that fit no other category.",
            defaultAuthority: "mayor-reception",
            termDays: 30),
    ]

    /// Holders of legal benefits; any of them makes an appeal a priority (Art. 20).
    public static let benefitCategories: [BenefitCategory] = [
        BenefitCategory(
            code: "war-veteran",
            nameUk: "Учасник бойових дій / ветеран війни",
            nameEn: "Combatant / war veteran"),
        BenefitCategory(
            code: "person-with-disability",
            nameUk: "Особа з інвалідністю",
            nameEn: "Person with a disability"),
        BenefitCategory(
            code: "chornobyl",
            nameUk: "Постраждалий внаслідок Чорнобильської катастрофи",
            nameEn: "Chornobyl disaster victim"),
        BenefitCategory(code: "large-family", nameUk: "Багатодітна сімʼя", nameEn: "Large family"),
        BenefitCategory(
            code: "idp",
            nameUk: "Внутрішньо переміщена особа",
            nameEn: "Internally displaced person"),
        BenefitCategory(
            code: "pensioner-80plus",
            nameUk: "Пенсіонер віком понад 80 років",
            nameEn: "Pensioner aged over 80"),
        BenefitCategory(code: "hero-of-ukraine", nameUk: "Герой України", nameEn: "Hero of Ukraine"),
        BenefitCategory(code: "child-of-war", nameUk: "Дитина війни", nameEn: "Child of war"),
        // Art. 15 of the law on appeals: considered by the first head personally (with hero-of-ukraine).
        BenefitCategory(
            code: "hero-of-soviet-union",
            nameUk: "Герой Радянського Союзу",
            nameEn: "Hero of the Soviet Union"),
        BenefitCategory(
            code: "hero-of-socialist-labour",
            nameUk: "Герой Соціалістичної Праці",
            nameEn: "Hero of Socialist Labour"),
        BenefitCategory(
            code: "war-disabled",
            nameUk: "Особа з інвалідністю внаслідок війни",
            nameEn: "Person disabled by war"),
    ]

    public static func district(code: String) -> District? { districts.first { $0.code == code } }
    public static func authority(code: String) -> Authority? { authorities.first { $0.code == code } }

    /// The executive committee (headed by the mayor): above the departments, the district
    /// administrations and the mayor's reception in the hierarchy of bodies (Art. 16). It receives
    /// complaints and disputes, never routed appeals, so it is not one of `authorities`.
    public static let executiveCommittee = Authority(
        code: "executive-committee",
        nameUk: "Виконавчий комітет Миколаївської міської ради "
            + "(міський голова)",
        nameEn: "Executive Committee of Mykolaiv City Council (the mayor)",
        district: nil)

    /// Any body a ticket, a notice or a report may name: the authorities and the executive committee.
    /// For showing names; validating where an appeal may be routed uses `authority(code:)`.
    public static func body(code: String) -> Authority? {
        code == executiveCommittee.code ? executiveCommittee : authority(code: code)
    }
    public static func category(code: String) -> Category? { categories.first { $0.code == code } }
    public static func benefitCategory(code: String) -> BenefitCategory? { benefitCategories.first { $0.code == code } }

    /// The district administration of a district, if any.
    public static func administration(ofDistrict district: String) -> Authority? {
        authorities.first { $0.district == district }
    }
}
