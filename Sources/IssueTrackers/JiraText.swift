import Foundation

/// A JSON value to send, for bodies whose shape depends on the site (Jira's rich text).
enum JSON: Sendable, Hashable {
    case string(String)
    case number(Int)
    case bool(Bool)
    case array([JSON])
    case object([String: JSON])

    var any: Any {
        switch self {
        case .string(let text): text
        case .number(let number): number
        case .bool(let flag): flag
        case .array(let items): items.map(\.any)
        case .object(let members): members.mapValues(\.any)
        }
    }

    /// The value as JSON text, keys sorted.
    var data: Data {
        (try? JSONSerialization.data(withJSONObject: any, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}

/// Jira's rich text: an Atlassian Document (Cloud) or wiki markup (Data Center), read as text and written from the
/// Markdown drafts are in.
struct JiraText: Decodable {
    /// The text, paragraphs apart by a blank line.
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            text = Self.plain(try container.decode(Node.self)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A node of an Atlassian Document, as far as reading its text needs.
    struct Node: Decodable {
        var type: String
        var text: String?
        var content: [Node]?
    }

    private static func plain(_ node: Node) -> String {
        if let text = node.text { return text }
        let inner = (node.content ?? []).map(plain)
        switch node.type {
        case "doc", "bulletList", "orderedList": return inner.joined(separator: "\n\n")
        case "listItem": return "- " + inner.joined(separator: " ")
        case "hardBreak": return "\n"
        case "codeBlock": return "```\n" + inner.joined() + "\n```"
        default: return inner.joined()
        }
    }

    /// Markdown as an Atlassian Document: headings, bullet lists (task items as bullets), fenced code blocks and
    /// paragraphs; inline markup stays as written.
    static func document(_ markdown: String) -> JSON {
        var blocks: [JSON] = []
        var paragraph: [String] = []
        var bullets: [String] = []
        var code: [String]?
        func text(_ value: String) -> JSON { .object(["type": .string("text"), "text": .string(value)]) }
        func flush() {
            if !paragraph.isEmpty {
                var inline: [JSON] = []
                for (index, line) in paragraph.enumerated() {
                    if index > 0 { inline.append(.object(["type": .string("hardBreak")])) }
                    inline.append(text(line))
                }
                blocks.append(.object(["type": .string("paragraph"), "content": .array(inline)]))
                paragraph = []
            }
            if !bullets.isEmpty {
                let items = bullets.map { item in
                    JSON.object([
                        "type": .string("listItem"),
                        "content": .array([.object(["type": .string("paragraph"), "content": .array([text(item)])])]),
                    ])
                }
                blocks.append(.object(["type": .string("bulletList"), "content": .array(items)]))
                bullets = []
            }
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if var lines = code {
                if line.hasPrefix("```") {
                    let body = lines.joined(separator: "\n")
                    blocks.append(
                        .object([
                            "type": .string("codeBlock"),
                            "content": .array(body.isEmpty ? [] : [text(body)]),
                        ]))
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                flush()
                code = []
            } else if let heading = trimmed.firstMatch(of: /^(#{1,6})\s+(.+)$/) {
                flush()
                blocks.append(
                    .object([
                        "type": .string("heading"), "attrs": .object(["level": .number(heading.1.count)]),
                        "content": .array([text(String(heading.2))]),
                    ]))
            } else if let item = trimmed.firstMatch(of: /^[-*]\s+(?:\[[ xX]\]\s+)?(.+)$/) {
                if !paragraph.isEmpty { flush() }
                bullets.append(String(item.1))
            } else if trimmed.isEmpty {
                flush()
            } else {
                if !bullets.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        if let lines = code, !lines.isEmpty {
            blocks.append(
                .object(["type": .string("codeBlock"), "content": .array([text(lines.joined(separator: "\n"))])]))
        }
        flush()
        return .object(["type": .string("doc"), "version": .number(1), "content": .array(blocks)])
    }

    /// Markdown as wiki markup: `h2.` headings, `*` bullets, `{code}` blocks and `{{monospace}}`.
    static func wiki(_ markdown: String) -> String {
        var out: [String] = []
        var inCode = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                out.append("{code}")
                inCode.toggle()
                continue
            }
            if inCode {
                out.append(line)
                continue
            }
            var converted = line
            if let heading = line.firstMatch(of: /^(#{1,6})\s+(.+)$/) {
                converted = "h\(heading.1.count). \(heading.2)"
            } else if let item = line.firstMatch(of: /^\s*[-*]\s+(?:\[[ xX]\]\s+)?(.+)$/) {
                converted = "* \(item.1)"
            }
            out.append(converted.replacing(#/`([^`]+)`/#) { "{{\($0.1)}}" })
        }
        if inCode { out.append("{code}") }
        return out.joined(separator: "\n")
    }

    /// Jira's timestamps: `2026-12-05T04:05:10.123+0000`.
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd'T'HH:mm:ssZ", "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
