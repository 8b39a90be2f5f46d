import Foundation
import Testing
import TicketMaster

@Suite("Cron schedules")
struct CronScheduleTests {
    private static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test(
        "the next due time is the first matching minute after a date, in the schedule's time zone",
        arguments: [
            ("0 6 * * mon", "Europe/Berlin", "2026-12-03T10:00:00Z", "2026-12-07T05:00:00Z"),
            ("0 6 * * mon", "Europe/Berlin", "2026-07-01T10:00:00Z", "2026-07-06T04:00:00Z"),
            ("*/15 * * * *", "UTC", "2026-12-03T10:07:30Z", "2026-12-03T10:15:00Z"),
            ("*/15 * * * *", "UTC", "2026-12-03T10:15:00Z", "2026-12-03T10:30:00Z"),
            ("@daily", "UTC", "2026-12-03T23:59:30Z", "2026-12-04T00:00:00Z"),
            ("0 9 1,15 * *", "UTC", "2026-12-02T00:00:00Z", "2026-12-15T09:00:00Z"),
            ("0 0 1 jan-mar *", "UTC", "2026-12-03T00:00:00Z", "2027-01-01T00:00:00Z"),
            // Both day fields restricted: either matches, as in cron.
            ("0 0 13 * fri", "UTC", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z"),
            ("0 12 29 2 *", "UTC", "2026-12-03T00:00:00Z", "2028-02-29T12:00:00Z"),
            // A time the spring clock change skips is not due that day; one the autumn change repeats, once.
            ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-30T00:30:00Z"),
            ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
        ])
    func nextDue(expression: String, zone: String, after: String, due: String) throws {
        let schedule = try CronSchedule(expression, timeZone: zone)
        #expect(schedule.next(after: try Self.date(after)) == (try Self.date(due)))
    }

    @Test("a date no year has is never due")
    func neverDue() throws {
        #expect(try CronSchedule("0 0 30 2 *").next(after: try Self.date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test(
        "a malformed schedule or time zone is a usage error saying what to write",
        arguments: [
            ("0 6 * *", "UTC", "needs five fields"), ("61 * * * *", "UTC", "minute field 61"),
            ("0 6 * * funday", "UTC", "day of the week field funday"), ("*/0 * * * *", "UTC", "minute field */0"),
            ("5-1 * * * *", "UTC", "minute field 5-1"), ("0 6 * * *", "Mars/Olympus", "time zone Mars/Olympus"),
        ])
    func invalid(expression: String, zone: String, message: String) {
        let error = #expect(throws: TicketMasterError.self) { try CronSchedule(expression, timeZone: zone) }
        #expect(error?.code == .usage)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
