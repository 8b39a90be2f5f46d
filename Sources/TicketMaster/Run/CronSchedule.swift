import Foundation

/// When a repository's scheduled runs are due: a five-field cron expression (`minute hour day-of-month month
/// day-of-week`) read in an IANA time zone, so `0 6 * * mon` is six in the morning there all year round.
///
/// Fields take `*`, numbers, ranges (`1-5`), lists (`1,15`), steps (`*/15`, `0-30/10`), and English names for months
/// and days (`jan`, `mon`; Sunday is 0 or 7). `@hourly`, `@daily`, `@weekly` and `@monthly` stand for the usual
/// expressions. As in cron, when both day fields are restricted a day matching either is due. A local time that a
/// clock change skips is not due that day; one it repeats is due once.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    /// The time zone it is read in.
    public let timeZone: TimeZone

    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let days: Set<Int>
    private let months: Set<Int>
    private let weekdays: Set<Int>
    private let daysRestricted: Bool
    private let weekdaysRestricted: Bool

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    /// Reads `expression` in the time zone named `zone`; throws a usage error saying what is wrong.
    public init(_ expression: String, timeZone zone: String = "UTC") throws {
        guard let timeZone = TimeZone(identifier: zone) else {
            throw TicketMasterError(
                .usage, "the time zone \(zone) is unknown; use an IANA name such as UTC or Europe/Berlin")
        }
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let macros = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
            "@monthly": "0 0 1 * *",
        ]
        let fields = (macros[trimmed.lowercased()] ?? trimmed).split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5 else {
            throw TicketMasterError(
                .usage,
                "the schedule \(trimmed) needs five fields (minute hour day-of-month month day-of-week), such as "
                    + "0 6 * * mon, or @daily")
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        self.expression = trimmed
        self.timeZone = timeZone
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [], offset: 0)
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [], offset: 0)
        days = try Self.field(fields[2], name: "day of the month", range: 1...31, names: [], offset: 0)
        months = try Self.field(fields[3], name: "month", range: 1...12, names: monthNames, offset: 1)
        weekdays = Set(
            try Self.field(fields[4], name: "day of the week", range: 0...7, names: dayNames, offset: 0).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    private static func field(
        _ text: Substring, name: String, range: ClosedRange<Int>, names: [String], offset: Int
    ) throws -> Set<Int> {
        func invalid() -> TicketMasterError {
            TicketMasterError(
                .usage, "the \(name) field \(text) is not valid: use *, a number in \(range), a range, a list or a step"
            )
        }
        func value(_ part: Substring) throws -> Int {
            if let number = Int(part), range.contains(number) { return number }
            if let index = names.firstIndex(of: part.lowercased()) { return index + offset }
            throw invalid()
        }
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let base = parts.first, !base.isEmpty else { throw invalid() }
            var step = 1
            if parts.count == 2 {
                guard let given = Int(parts[1]), given > 0 else { throw invalid() }
                step = given
            }
            let bounds: ClosedRange<Int>
            if base == "*" {
                bounds = range
            } else if let dash = base.firstIndex(of: "-") {
                let low = try value(base[..<dash])
                let high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw invalid() }
                bounds = low...high
            } else {
                let single = try value(base)
                bounds = single...(parts.count == 2 ? range.upperBound : single)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    /// The first due time strictly after `date`, within four years and a day (so a leap day is found); nil when
    /// none is (`0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // From the start of the next minute, one minute at a time within a matching hour of a matching day; whole
        // days and hours are skipped when they cannot match.
        var candidate = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval((4 * 366 + 1) * 86_400)
        while candidate < limit {
            let parts = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: candidate)
            guard let month = parts.month, let day = parts.day, let weekday = parts.weekday, let hour = parts.hour,
                let minute = parts.minute
            else { return nil }
            let dayMatches: Bool
            switch (daysRestricted, weekdaysRestricted) {
            case (true, true): dayMatches = days.contains(day) || weekdays.contains(weekday - 1)
            case (true, false): dayMatches = days.contains(day)
            case (false, true): dayMatches = weekdays.contains(weekday - 1)
            case (false, false): dayMatches = true
            }
            if !months.contains(month) || !dayMatches {
                guard
                    let start = calendar.nextDate(
                        after: candidate, matching: DateComponents(hour: 0, minute: 0), matchingPolicy: .nextTime)
                else { return nil }
                candidate = start
                continue
            }
            if !hours.contains(hour) {
                guard
                    let start = calendar.nextDate(
                        after: candidate, matching: DateComponents(minute: 0), matchingPolicy: .nextTime)
                else { return nil }
                candidate = start
                continue
            }
            // An hour that a clock change repeats has each local time twice: only the first is due.
            let hourBefore = calendar.dateComponents([.hour, .minute], from: candidate.addingTimeInterval(-3600))
            if minutes.contains(minute), hourBefore.hour != hour || hourBefore.minute != minute { return candidate }
            candidate = candidate.addingTimeInterval(60)
        }
        return nil
    }
}
