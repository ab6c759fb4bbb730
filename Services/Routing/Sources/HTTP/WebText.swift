import HromadaContracts

/// The web inbox's words in Ukrainian (default) and English.
enum WebText {
    static func strings(_ lang: String) -> [String: String] { lang == "en" ? en : uk }

    static let uk: [String: String] = [
        "title": "Звернення громадян — кабінет посадової особи",
        "loginTitle": "Вхід для посадових осіб", "tokenLabel": "Ваш токен доступу", "login": "Увійти",
        "loginError": "Токен не підходить. Перевірте його або зверніться до адміністратора.",
        "logout": "Вийти", "inbox": "Вхідні звернення", "official": "Посадова особа", "authority": "Орган",
        "number": "Реєстраційний номер", "priority": "Пріоритет", "priorityYes": "Пільговик — першочергово",
        "deadline": "Строк", "daysLeft": "Днів залишилось", "overdue": "ПРОСТРОЧЕНО", "status": "Стан",
        "category": "Категорія", "kind": "Вид", "subject": "Суть", "noTickets": "Звернень немає.",
        "filter": "Показати", "allStatuses": "усі стани", "overdueOnly": "лише прострочені",
        "escalated": "Передано на контроль приймальні міського голови", "extended": "строк продовжено",
        "back": "До списку", "appeal": "Звернення", "author": "Автор", "address": "Адреса", "email": "Ел. пошта",
        "phone": "Телефон", "benefit": "Пільгова категорія", "confidential": "Конфіденційно (ст. 18)",
        "against": "Скарга на", "repeatOf": "Повторне до", "text": "Текст звернення", "history": "Історія",
        "registeredOn": "Зареєстровано", "accept": "Прийняти до розгляду", "forward": "Переслати за належністю",
        "forwardTo": "Кому переслати", "forwardUntil": "Пересилання дозволене до (ст. 7, 5 днів)",
        "forwardClosed": "5-денний строк пересилання минув — переслати вже не можна.",
        "reason": "Причина", "extend": "Продовжити строк", "newDeadline": "Новий строк",
        "maxDeadline": "Не пізніше ніж (45 днів від реєстрації, ст. 20)", "answer": "Надати відповідь",
        "outcome": "Результат", "answerText": "Текст відповіді (для відмови — з мотивами, не менше 20 символів)",
        "reopen": "Відновити розгляд", "close": "Зняти з контролю", "actions": "Дії", "notFound": "Звернення не знайдено.",
        "when": "Коли", "who": "Хто", "what": "Що", "note": "Примітка", "language": "Мова",
    ]

    static let en: [String: String] = [
        "title": "Residents' appeals — officials' inbox",
        "loginTitle": "Sign in for officials", "tokenLabel": "Your access token", "login": "Sign in",
        "loginError": "That token does not work. Check it or ask your administrator.",
        "logout": "Sign out", "inbox": "Inbox", "official": "Official", "authority": "Authority",
        "number": "Registration number", "priority": "Priority", "priorityYes": "Benefit holder — first",
        "deadline": "Deadline", "daysLeft": "Days left", "overdue": "OVERDUE", "status": "Status",
        "category": "Category", "kind": "Kind", "subject": "Subject", "noTickets": "No appeals.",
        "filter": "Show", "allStatuses": "all statuses", "overdueOnly": "overdue only",
        "escalated": "Escalated to the mayor's reception", "extended": "deadline extended",
        "back": "Back to the inbox", "appeal": "Appeal", "author": "Author", "address": "Address", "email": "Email",
        "phone": "Phone", "benefit": "Benefit category", "confidential": "Confidential (Art. 18)",
        "against": "Complaint against", "repeatOf": "Repeat of", "text": "Text of the appeal", "history": "History",
        "registeredOn": "Registered", "accept": "Accept", "forward": "Forward to the competent body",
        "forwardTo": "Forward to", "forwardUntil": "Forwarding allowed until (Art. 7, 5 days)",
        "forwardClosed": "The 5-day forwarding window has passed — it can no longer be forwarded.",
        "reason": "Reason", "extend": "Extend the deadline", "newDeadline": "New deadline",
        "maxDeadline": "No later than (45 days from registration, Art. 20)", "answer": "Answer",
        "outcome": "Outcome", "answerText": "Answer text (a refusal gives reasons, at least 20 characters)",
        "reopen": "Reopen", "close": "Close", "actions": "Actions", "notFound": "Appeal not found.",
        "when": "When", "who": "Who", "what": "What", "note": "Note", "language": "Language",
    ]

    static func status(_ s: String, lang: String) -> String {
        let uk = ["assigned": "призначено", "accepted": "на розгляді", "forwarded": "переслано", "extended": "продовжено",
                  "answered": "надано відповідь", "reopened": "відновлено", "closed": "знято з контролю"]
        return lang == "en" ? s : (uk[s] ?? s)
    }

    static func kind(_ k: String, lang: String) -> String {
        let uk = ["proposal": "пропозиція", "application": "заява", "complaint": "скарга"]
        return lang == "en" ? k : (uk[k] ?? k)
    }

    static func outcome(_ o: String, lang: String) -> String {
        let uk = ["resolved-positively": "вирішено позитивно", "refused": "відмовлено", "explained": "роз'яснено", "other": "інше"]
        let en = ["resolved-positively": "resolved positively", "refused": "refused", "explained": "explained", "other": "other"]
        return (lang == "en" ? en[o] : uk[o]) ?? o
    }

    static func action(_ a: String, lang: String) -> String {
        let uk = ["assigned": "призначено", "accepted": "прийнято", "forwarded": "переслано", "extended": "строк продовжено",
                  "answered": "надано відповідь", "reopened": "відновлено", "closed": "знято з контролю",
                  "escalated": "ескальовано", "returned": "повернуто автору"]
        return lang == "en" ? a : (uk[a] ?? a)
    }

    static func done(_ a: String, lang: String) -> String {
        lang == "en" ? "Done: \(a)." : "Виконано: \(action(a + (a.hasSuffix("e") ? "d" : "ed"), lang: lang))."
    }

    static func error(_ e: RoutingError, lang: String) -> String {
        guard lang != "en" else { return e.message }
        let uk = [
            "invalid_transition": "Ця дія недоступна в поточному стані звернення.",
            "forward_window_closed": "Минуло 5 днів від реєстрації: пересилати вже не можна (ст. 7).",
            "beyond_legal_maximum": "Строк не може перевищувати 45 днів від реєстрації (ст. 20).",
            "not_later": "Новий строк має бути пізнішим за поточний.",
            "complaint_against_authority": "Скаргу не можна надсилати органу, на який скаржаться.",
            "same_authority": "Звернення вже в цьому органі.",
            "reasons_required": "Відмова має містити мотиви (щонайменше 20 символів).",
            "too_short": "Текст відповіді занадто короткий (щонайменше 10 символів).",
            "required": "Заповніть обов'язкове поле.",
            "forbidden": "Недостатньо прав для цієї дії.",
        ]
        return uk[e.code] ?? e.message
    }
}
