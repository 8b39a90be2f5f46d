import Foundation
import Hummingbird

/// A submitted HTML form (`application/x-www-form-urlencoded`), read field by field so each can be validated with
/// a message that names it.
struct Form: Sendable {
    private var fields: [String: [String]] = [:]

    /// The form in `body`.
    init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
    }

    /// The form of `request`, whose body is read up to the context's limit.
    static func read(_ request: Request, context: ServerContext) async throws -> Form {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return Form(String(buffer: buffer))
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    /// The first value of `name`, trimmed; nil when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = fields[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        return value
    }

    /// Every value of `name` (checkboxes).
    func all(_ name: String) -> [String] {
        fields[name] ?? []
    }

    /// The value of `name`, or a 400 that names the field.
    func require(_ name: String, label: String, maxLength: Int = 200) throws -> String {
        guard let value = self[name] else { throw HTTPError(.badRequest, message: "\(label) is required") }
        guard value.count <= maxLength else {
            throw HTTPError(.badRequest, message: "\(label) is longer than \(maxLength) characters")
        }
        return value
    }

    /// An integer field within `range`, or `fallback` when empty.
    func integer(_ name: String, label: String, in range: ClosedRange<Int>, fallback: Int) throws -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError(
                .badRequest, message: "\(label) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
